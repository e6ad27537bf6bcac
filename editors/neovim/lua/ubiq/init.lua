--- Ubiq for Neovim (>= 0.11): the language server on the built-in client, ghost text, commands.
local M = {}

---@class ubiq.Keys
---@field accept? string|false  insert the suggestion (falls through to the key when none shows)
---@field next? string|false  the next suggestion, or ask for one
---@field dismiss? string|false  hide the suggestion (falls through when none shows)

---@class ubiq.Options
---@field cmd? string[]  the server command (default: `ubiq serve`, else `<python> -m lsp_server serve`)
---@field python? string  an interpreter with Ubiq installed, used when `cmd` is not given
---@field env? table<string, string>  extra environment for the server, e.g. `{ UBIQ_MODEL = "…" }`
---@field settings? table  the `ubiq` settings (README "Configuration"), camelCase keys
---@field filetypes? string[]
---@field root_markers? string[]
---@field ghost_text? boolean  show inline completions as ghost text while typing
---@field debounce_ms? integer  pause after a keystroke before asking (Neovim 0.11 display)
---@field keys? ubiq.Keys  insert-mode keys; `false` leaves one unmapped
---@field lsp? table  merged last into the `vim.lsp.config("ubiq", …)` table (on_attach, capabilities…)

---@type ubiq.Options
M.defaults = {
  cmd = nil,
  python = nil,
  env = nil,
  settings = {},
  filetypes = { "python", "sql" },
  root_markers = { "pyproject.toml", ".git" },
  ghost_text = true,
  debounce_ms = 100,
  keys = { accept = "<Tab>", next = "<M-]>", dismiss = "<C-]>" },
  lsp = {},
}

---@type ubiq.Options?  the options `setup()` was given, merged over the defaults
M.options = nil

--- Neovim 0.12 displays inline completions itself; 0.11 needs `ubiq.ghost`.
M.builtin_inline_completion = vim.fn.has("nvim-0.12") == 1

---@param opts ubiq.Options
---@return string[]
function M.server_cmd(opts)
  if opts.cmd then
    return opts.cmd
  end
  if opts.python then
    return { opts.python, "-m", "lsp_server", "serve" }
  end
  if vim.fn.executable("ubiq") == 1 then
    return { "ubiq", "serve" }
  end
  return { "python3", "-m", "lsp_server", "serve" }
end

--- The Ubiq client of a buffer (default: the current one), else any running Ubiq client.
---@param bufnr? integer
---@return vim.lsp.Client?
function M.client(bufnr)
  local clients = vim.lsp.get_clients({ name = "ubiq", bufnr = bufnr or 0 })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = "ubiq" })
  end
  return clients[1]
end

---@param bufnr integer
---@param keys ubiq.Keys
local function map_builtin_keys(bufnr, keys)
  local inline = vim.lsp.inline_completion
  if keys.accept then
    vim.keymap.set("i", keys.accept, function()
      if not inline.get() then
        return keys.accept
      end
    end, { buffer = bufnr, expr = true, desc = "Ubiq: accept the suggestion" })
  end
  if keys.next then
    vim.keymap.set("i", keys.next, function()
      (inline.select or inline.jump)({ count = 1 })
    end, { buffer = bufnr, desc = "Ubiq: next suggestion" })
  end
end

---@param bufnr integer
---@param keys ubiq.Keys
local function map_ghost_keys(bufnr, keys)
  ---@param lhs string|false|nil
  ---@param action string  a function of `ubiq.ghost`
  ---@param only_when_shown boolean  else the key falls through
  local function map(lhs, action, only_when_shown, desc)
    if not lhs then
      return
    end
    vim.keymap.set("i", lhs, function()
      if only_when_shown and not require("ubiq.ghost").visible(bufnr) then
        return lhs
      end
      return ("<Cmd>lua require('ubiq.ghost').%s()<CR>"):format(action)
    end, { buffer = bufnr, expr = true, desc = desc })
  end
  map(keys.accept, "accept", true, "Ubiq: accept the suggestion")
  map(keys.next, "next", false, "Ubiq: next suggestion")
  map(keys.dismiss, "dismiss", true, "Ubiq: dismiss the suggestion")
end

---@param bufnr integer
---@param client vim.lsp.Client
local function on_attach(bufnr, client)
  local opts = assert(M.options)
  if not opts.ghost_text then
    return
  end
  if M.builtin_inline_completion then
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    map_builtin_keys(bufnr, opts.keys)
  else
    require("ubiq.ghost").attach(bufnr, client, opts.debounce_ms)
    map_ghost_keys(bufnr, opts.keys)
  end
end

--- The server prepared an answer that was not ready when asked: ghost text is pulled, so ask again.
---@param params { uri: string, position: lsp.Position }
local function on_completion_ready(_, params)
  local bufnr = vim.fn.bufnr(vim.uri_to_fname(params.uri))
  if bufnr > 0 and not M.builtin_inline_completion then
    require("ubiq.ghost").ready(bufnr, params.position)
  end
end

--- Register the `ubiq` server with the built-in client, enable it, and add the commands.
---@param opts? ubiq.Options
function M.setup(opts)
  if vim.fn.has("nvim-0.11") == 0 then
    vim.notify("Ubiq needs Neovim 0.11 or newer", vim.log.levels.ERROR)
    return
  end
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  local options = M.options
  vim.lsp.config(
    "ubiq",
    vim.tbl_deep_extend("force", {
      cmd = M.server_cmd(options),
      cmd_env = options.env,
      filetypes = options.filetypes,
      root_markers = options.root_markers,
      -- Settings go as initializationOptions only: sending them again as
      -- didChangeConfiguration right after `initialized` would restart the model load.
      init_options = next(options.settings) and options.settings or nil,
      handlers = { ["ubiq/completionReady"] = on_completion_ready },
    }, options.lsp)
  )
  vim.lsp.enable("ubiq")

  local group = vim.api.nvim_create_augroup("ubiq", { clear = true })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == "ubiq" then
        on_attach(args.buf, client)
      end
    end,
  })
  require("ubiq.commands").create()
end

--- Change settings while running: the server applies them (a model change reloads the model).
---@param settings table  the `ubiq` settings to merge over the current ones
function M.configure(settings)
  local options = assert(M.options, "call require('ubiq').setup() first")
  options.settings = vim.tbl_deep_extend("force", options.settings, settings)
  vim.lsp.config("ubiq", { init_options = options.settings })
  for _, client in ipairs(vim.lsp.get_clients({ name = "ubiq" })) do
    client:notify("workspace/didChangeConfiguration", { settings = { ubiq = options.settings } })
  end
end

return M
