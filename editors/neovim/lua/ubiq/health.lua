--- `:checkhealth ubiq`: Neovim version, the server command, running clients and their model.
local M = {}

local health = vim.health

--- The server command with `serve` swapped for `--version` (nil if it does not end in `serve`).
---@param cmd string[]
---@return string[]?
local function version_cmd(cmd)
  if cmd[#cmd] ~= "serve" then
    return nil
  end
  local probe = vim.list_slice(cmd, 1, #cmd - 1)
  probe[#probe + 1] = "--version"
  return probe
end

local function check_neovim()
  if vim.fn.has("nvim-0.11") == 0 then
    health.error("Neovim 0.11 or newer is needed (vim.lsp.config / vim.lsp.enable)")
    return false
  end
  health.ok("Neovim " .. tostring(vim.version()))
  if require("ubiq").builtin_inline_completion then
    health.ok("ghost text: vim.lsp.inline_completion (built in)")
  else
    health.ok("ghost text: Ubiq's extmark display (Neovim 0.11)")
  end
  return true
end

---@param options ubiq.Options
local function check_server(options)
  local cmd = require("ubiq").server_cmd(options)
  health.info("server command: " .. table.concat(cmd, " "))
  if vim.fn.executable(cmd[1]) == 0 then
    health.error(cmd[1] .. " is not executable", {
      "install Ubiq: pip install ubiq (in the environment you point `python` or `cmd` at)",
      "or pass setup({ python = '/path/to/.venv/bin/python' })",
    })
    return
  end
  local probe = version_cmd(cmd)
  if not probe then
    return
  end
  local ok, done = pcall(function()
    return vim.system(probe, { env = options.env, text = true }):wait(30000)
  end)
  if ok and done.code == 0 then
    health.ok(vim.trim(done.stdout))
  else
    local why = ok and vim.trim(done.stderr ~= "" and done.stderr or done.stdout) or tostring(done)
    health.error(table.concat(probe, " ") .. " failed: " .. why, {
      "is Ubiq (the lsp_server package) installed for this interpreter? pip install ubiq",
    })
  end
end

local function check_clients()
  local clients = vim.lsp.get_clients({ name = "ubiq" })
  if #clients == 0 then
    health.info("no Ubiq client is running (open a Python file)")
    return
  end
  for _, client in ipairs(clients) do
    health.info(("client %d: root %s"):format(client.id, client.root_dir or "(none)"))
    local reply = client:request_sync("workspace/executeCommand", { command = "ubiq.stats" }, 10000)
    local model = reply and reply.result and reply.result.model
    if not model then
      health.warn("ubiq.stats did not answer: " .. vim.inspect(reply and reply.err or "timeout"))
    elseif model.name then
      health.ok(("model %s ready"):format(model.name))
    elseif model.state == "error" then
      health.error("model: " .. tostring(model.message), { "see `ubiq doctor` and :LspLog" })
    else
      health.info(("model: %s %s"):format(tostring(model.state), tostring(model.message or "")))
    end
  end
end

function M.check()
  health.start("ubiq")
  if not check_neovim() then
    return
  end
  local options = require("ubiq").options
  if not options then
    health.warn("require('ubiq').setup() has not been called")
    return
  end
  check_server(options)
  check_clients()
end

return M
