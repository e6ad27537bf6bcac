-- Drives headless Neovim through the Ubiq plugin as a user would, step by step, and writes what it
-- saw to a JSON file for tests/editors/test_neovim.py. Steps run in a coroutine that yields to the
-- main loop between polls, so insert mode, autocommands, key mappings and LSP replies all run for
-- real. `vim.g.ubiq_test` (set by the generated init.lua) holds the paths and timeouts.
local config = vim.g.ubiq_test
local api = vim.api
local result = { steps = {}, messages = {} }
local driver ---@type thread

local function finish(err)
  result.error = err
  result.lsp_log = vim.lsp.get_log_path()
  local file = assert(io.open(config.result, "w"))
  file:write(vim.json.encode(result))
  file:close()
  vim.cmd("qall!")
end

local function resume()
  local ok, err = coroutine.resume(driver)
  if not ok then
    finish(debug.traceback(driver, err))
  elseif coroutine.status(driver) == "dead" then
    finish(nil)
  end
end

local function sleep(ms)
  vim.defer_fn(resume, ms)
  coroutine.yield()
end

--- Poll `check` until it returns a truthy value (returned), or fail after `timeout_ms`; an error
--- in `check` fails at once.
local function wait_for(what, timeout_ms, check)
  local deadline = vim.uv.now() + timeout_ms
  while true do
    local value = check()
    if value then
      return value
    end
    if vim.uv.now() >= deadline then
      error(("timed out after %d s waiting for %s"):format(timeout_ms / 1000, what), 0)
    end
    sleep(100)
  end
end

local function step(name, data)
  result.steps[#result.steps + 1] = name
  result[name] = data
end

local function buffer_text(bufnr)
  return table.concat(api.nvim_buf_get_lines(bufnr or 0, 0, -1, false), "\n")
end

local function ubiq_client()
  local client = require("ubiq").client(0)
  return client and client.initialized and client
end

--- `workspace/executeCommand` from the coroutine: waits for the reply.
local function execute(client, command, arguments, timeout_ms)
  local reply
  client:request("workspace/executeCommand", { command = command, arguments = arguments }, function(err, res)
    reply = { err = err, result = res }
  end, 0)
  return wait_for(command .. " to answer", timeout_ms, function()
    return reply
  end)
end

-- Record what the server shows to the user (it goes to the message area otherwise).
local show_message = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, params, ctx)
  result.messages[#result.messages + 1] = { type = params.type, message = params.message }
  return show_message(err, params, ctx)
end

local function model_ready()
  vim.cmd.edit(vim.fn.fnameescape(config.source))
  local client = wait_for("the ubiq client to attach", 30000, ubiq_client)
  local model = wait_for("the model to load", config.model_timeout_ms, function()
    local reply = execute(client, "ubiq.stats", {}, 10000)
    if reply.err then
      error("ubiq.stats failed: " .. vim.inspect(reply.err), 0)
    end
    local model = reply.result.model
    if model.state == "error" then
      error("the model failed to load: " .. tostring(model.message), 0)
    end
    return model.name and model
  end)
  step("model", { name = model.name, root = client.root_dir })
end

local function ghost_text()
  local ghost = require("ubiq.ghost")
  api.nvim_win_set_cursor(0, { config.ghost_line, 0 })
  vim.cmd("startinsert!")
  wait_for("insert mode", 5000, function()
    return api.nvim_get_mode().mode == "i"
  end)
  -- Type a space after `return`: the suggestion is asked for once typing pauses.
  local start_col = api.nvim_win_get_cursor(0)[2]
  api.nvim_feedkeys(" ", "n", false)
  wait_for("the typed space", 5000, function()
    return api.nvim_win_get_cursor(0)[2] == start_col + 1
  end)
  local before = buffer_text()
  local cursor = api.nvim_win_get_cursor(0)
  -- The tiny model may have nothing to say at first: every 5 s, ask again with <M-]>.
  local asked = vim.uv.now()
  wait_for("ghost text", config.ghost_timeout_ms, function()
    if ghost.visible() then
      return true
    end
    if vim.uv.now() - asked > 5000 then
      asked = vim.uv.now()
      api.nvim_feedkeys(vim.keycode("<M-]>"), "m", false)
    end
  end)
  local suggestion = ghost.current()
  local marks = api.nvim_buf_get_extmarks(0, ghost.namespace, 0, -1, { details = true })
  local data = { before = before, cursor = cursor, suggestion = suggestion, extmarks = marks }
  step("ghost", data) -- recorded now: what follows fills it in
  -- Type the suggestion's first character: the rest stays on display without a new request.
  local first = suggestion:sub(1, 1)
  if first:match("^[%w%p ]$") and #suggestion > 1 then
    api.nvim_feedkeys(first, "n", false)
    wait_for("the typed character", 5000, function()
      return api.nvim_win_get_cursor(0)[2] == cursor[2] + 1
    end)
    sleep(300)
    data.typed_through = { visible = ghost.visible(), current = ghost.current() }
  end
  local typed = buffer_text()
  api.nvim_feedkeys(vim.keycode("<Tab>"), "m", false)
  wait_for("<Tab> to insert the suggestion", 5000, function()
    return buffer_text() ~= typed
  end)
  data.after = buffer_text()
  data.cursor_after = api.nvim_win_get_cursor(0)
  vim.cmd.stopinsert()
  wait_for("normal mode", 5000, function()
    return api.nvim_get_mode().mode == "n"
  end)
end

--- After a jump into a long file with a 50 ms budget the first answer cannot be the full one: the
--- server announces `ubiq/completionReady` once the full prompt is prepared, and the plugin asks
--- again where the cursor still is; that answer shows.
local function ready_after_a_jump()
  local ghost = require("ubiq.ghost")
  vim.cmd.edit(vim.fn.fnameescape(config.long_source))
  local client = wait_for("the ubiq client to attach to " .. config.long_source, 30000, ubiq_client)
  local seen = { notified = 0, requests = 0, requests_at_notice = nil, typed = false }
  local on_ready = client.handlers["ubiq/completionReady"]
  client.handlers["ubiq/completionReady"] = function(err, params, ctx)
    seen.notified = seen.notified + 1
    seen.requests_at_notice = seen.requests_at_notice or seen.requests
    return on_ready(err, params, ctx)
  end
  local request = client.request
  client.request = function(self, method, params, ...)
    if method == "textDocument/inlineCompletion" then
      seen.requests = seen.requests + 1
      seen.typed = seen.typed or params.position.character == 5 -- after the typed "r"
    end
    return request(self, method, params, ...)
  end
  require("ubiq").configure({ completion = { timeBudgetMs = 50 } })
  -- The line is cleared, as if about to rewrite it, and its first letter typed.
  api.nvim_buf_set_lines(0, config.long_line - 1, config.long_line, false, { "    " })
  api.nvim_win_set_cursor(0, { config.long_line, 4 })
  vim.cmd("startinsert!")
  wait_for("insert mode", 5000, function()
    return api.nvim_get_mode().mode == "i"
  end)
  api.nvim_feedkeys("r", "n", false)
  wait_for("the request after the typed letter", 20000, function()
    return seen.typed
  end)
  require("ubiq").configure({ completion = { timeBudgetMs = 60000 } }) -- for the request to come
  wait_for("ubiq/completionReady", config.ghost_timeout_ms, function()
    return seen.notified >= 1
  end)
  wait_for("ghost text asked for again", config.ghost_timeout_ms, function()
    return seen.requests > seen.requests_at_notice and ghost.visible()
  end)
  step("ready", { notified = seen.notified, requests = seen.requests, suggestion = ghost.current() })
  client.request, client.handlers["ubiq/completionReady"] = request, on_ready
  vim.cmd.stopinsert()
  wait_for("normal mode", 5000, function()
    return api.nvim_get_mode().mode == "n"
  end)
end

local function stats_and_er()
  vim.cmd("UbiqStats")
  local stats = wait_for(":UbiqStats", 20000, function()
    local bufnr = vim.fn.bufnr("ubiq://stats")
    return bufnr ~= -1 and vim.json.decode(buffer_text(bufnr))
  end)
  vim.cmd("only")
  vim.cmd.edit(vim.fn.fnameescape(config.source))
  vim.cmd("UbiqER")
  local er = wait_for(":UbiqER", 30000, function()
    local bufnr = vim.fn.bufnr("ubiq://er.mermaid")
    return bufnr ~= -1 and { text = buffer_text(bufnr), filetype = vim.bo[bufnr].filetype }
  end)
  vim.cmd("only")
  step("commands", { stats = stats, er = er })
end

local function health()
  vim.cmd("checkhealth ubiq")
  local text = wait_for(":checkhealth ubiq", 60000, function()
    local text = buffer_text()
    return vim.bo.filetype == "checkhealth" and text:find("model", 1, true) and text
  end)
  vim.cmd("bwipeout!")
  step("health", text)
end

local function gen_tests()
  vim.cmd.edit(vim.fn.fnameescape(config.module))
  wait_for("the ubiq client to attach to " .. config.module, 30000, ubiq_client)
  vim.cmd("UbiqGenTests " .. config.target)
  local outcome = wait_for(":UbiqGenTests", config.gen_timeout_ms, function()
    local bufnr = vim.fn.bufnr(config.test_file)
    if bufnr ~= -1 and api.nvim_buf_is_loaded(bufnr) and buffer_text(bufnr):find("def test_", 1, true) then
      return { written = true, bufnr = bufnr }
    end
    for _, message in ipairs(result.messages) do
      if message.message:find("could not generate tests", 1, true) then
        return { written = false, message = message.message }
      end
    end
  end)
  if outcome.written then
    outcome.text = buffer_text(outcome.bufnr)
    -- The edit lands before the command's answer, which is what makes the plugin open the file.
    outcome.shown = pcall(wait_for, "the test file in a window", 15000, function()
      return vim.fn.bufwinid(outcome.bufnr) ~= -1
    end)
    api.nvim_buf_call(outcome.bufnr, function()
      vim.cmd.write()
    end)
  end
  step("gen_tests", outcome)
end

--- :UbiqSqlWrite on a `-- question` line of a .sql file: the server's edit puts a statement below
--- it (or, when nothing passes its checks, it says why and inserts nothing); :undo takes it away.
local function sql_write()
  vim.cmd.edit(vim.fn.fnameescape(config.sql_file))
  wait_for("the ubiq client to attach to " .. config.sql_file, 30000, ubiq_client)
  local bufnr = api.nvim_get_current_buf()
  local before = buffer_text(bufnr)
  local seen = #result.messages
  api.nvim_win_set_cursor(0, { config.question_line, 0 })
  vim.cmd("UbiqSqlWrite")
  local outcome = wait_for(":UbiqSqlWrite", config.write_timeout_ms, function()
    if buffer_text(bufnr) ~= before then
      return { written = true }
    end
    for index = seen + 1, #result.messages do
      local message = result.messages[index].message
      if message:find("wrote no SQL", 1, true) then
        return { written = false, message = message }
      end
    end
  end)
  outcome.before, outcome.after = before, buffer_text(bufnr)
  step("sql_write", outcome) -- recorded now: what follows fills it in
  if outcome.written then
    wait_for("the summary message", 15000, function()
      for index = seen + 1, #result.messages do
        if result.messages[index].message:find("inserted SQL", 1, true) then
          outcome.message = result.messages[index].message
          return true
        end
      end
    end)
    vim.cmd("undo")
    outcome.undone = buffer_text(bufnr)
  end
end

--- :UbiqSqlExplain on a line inside a SELECT statement: the plan as Markdown in a scratch buffer.
local function sql_explain()
  vim.cmd("only")
  vim.cmd.edit(vim.fn.fnameescape(config.explain_file))
  wait_for("the ubiq client to attach to " .. config.explain_file, 30000, ubiq_client)
  api.nvim_win_set_cursor(0, { config.explain_line, 0 })
  vim.cmd("UbiqSqlExplain")
  local shown = wait_for(":UbiqSqlExplain", config.explain_timeout_ms, function()
    local bufnr = vim.fn.bufnr("ubiq://sql-plan.md")
    if bufnr ~= -1 and vim.fn.bufwinid(bufnr) ~= -1 then
      return { text = buffer_text(bufnr), filetype = vim.bo[bufnr].filetype }
    end
  end)
  step("sql_explain", shown)
end

--- DDD on the sample shop: the rules' diagnostics in a domain file, :UbiqContextMap and
--- :UbiqAskDomain, each shown in its scratch buffer.
local function ddd()
  vim.cmd.edit(vim.fn.fnameescape(config.domain_file))
  local bufnr = api.nvim_get_current_buf()
  wait_for("the ubiq client to attach to " .. config.domain_file, 30000, ubiq_client)
  local diagnostics = wait_for("the DDD diagnostics", 60000, function()
    local found = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.source == "ubiq ddd" then
        table.insert(found, { code = d.code, message = d.message, lnum = d.lnum })
      end
    end
    return #found > 0 and found
  end)
  vim.cmd("UbiqContextMap")
  local map = wait_for(":UbiqContextMap", 30000, function()
    local map_buf = vim.fn.bufnr("ubiq://context-map.md")
    return map_buf ~= -1 and { text = buffer_text(map_buf), filetype = vim.bo[map_buf].filetype }
  end)
  vim.cmd("only")
  vim.cmd("UbiqAskDomain " .. config.question)
  local answer = wait_for(":UbiqAskDomain", 30000, function()
    local answer_buf = vim.fn.bufnr("ubiq://domain-answer.md")
    return answer_buf ~= -1 and { text = buffer_text(answer_buf), filetype = vim.bo[answer_buf].filetype }
  end)
  vim.cmd("only")
  step("ddd", { diagnostics = diagnostics, map = map, answer = answer })

  -- Hover on `class Order(`: its building block, aggregate and context.
  vim.cmd.edit(vim.fn.fnameescape(config.domain_file))
  local row
  for index, line in ipairs(api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:match("^class Order%(") then
      row = index - 1
    end
  end
  local hover = wait_for("the hover on Order", 30000, function()
    local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = row, character = 8 } }
    for _, reply in pairs(vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 10000) or {}) do
      if reply.result and reply.result.contents then
        return reply.result.contents.value
      end
    end
  end)

  -- An unsaved reference by object in the shipping model, fixed by the quick fix the server offers.
  vim.cmd.edit(vim.fn.fnameescape(config.shipping_file))
  local shipping = api.nvim_get_current_buf()
  wait_for("the ubiq client to attach to " .. config.shipping_file, 30000, ubiq_client)
  local lines = api.nvim_buf_get_lines(shipping, 0, -1, false)
  for index, line in ipairs(lines) do
    if line == "    order_id: UUID" then
      api.nvim_buf_set_lines(shipping, index, index, false, { "    purchase: Order | None = None" })
    elseif line == "from shop.ordering.domain.model import Money" then
      api.nvim_buf_set_lines(shipping, index - 1, index, false, { "from shop.ordering.domain.model import Money, Order" })
    end
  end
  local found = wait_for("the reference-by-object diagnostic", 60000, function()
    for _, d in ipairs(vim.diagnostic.get(shipping)) do
      if d.code == "reference-by-object" then
        return d
      end
    end
  end)
  local lsp_diagnostic = found.user_data and found.user_data.lsp
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(shipping) },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic } },
  }
  local fixed
  for _, reply in pairs(vim.lsp.buf_request_sync(shipping, "textDocument/codeAction", params, 10000) or {}) do
    for _, action in ipairs(reply.result or {}) do
      if action.title:find("Refer by identity", 1, true) and action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, ubiq_client().offset_encoding)
        fixed = action.title
      end
    end
  end
  step("ddd_editing", {
    hover = hover,
    diagnostic_line = found.lnum,
    fix = fixed,
    line_after = api.nvim_buf_get_lines(shipping, found.lnum, found.lnum + 1, false)[1],
  })
end

local scenarios = {
  editor = { model_ready, ghost_text, ready_after_a_jump, stats_and_er, health, gen_tests },
  sql = { model_ready, sql_write, sql_explain },
  ddd = { ddd },
}

require("ubiq").setup(config.setup)
driver = coroutine.create(function()
  for _, run in ipairs(scenarios[config.scenario]) do
    run()
  end
end)
vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = vim.schedule_wrap(resume) })
