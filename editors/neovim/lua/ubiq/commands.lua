--- Ubiq's user commands: :UbiqGenTests, :UbiqGlossaryAdd, :UbiqER, :UbiqStats, :UbiqEval,
--- :UbiqSqlWrite, :UbiqSqlExplain, :UbiqContextMap, :UbiqAskDomain.
local M = {}

local api = vim.api

-- The ER formats the server renders (lsp_server/datamodel/render).
local ER_FORMATS = { "mermaid", "dbml", "plantuml", "ddl", "json", "dot", "svg" }

---@param message string
---@param level? integer
local function notify(message, level)
  vim.notify(message, level or vim.log.levels.INFO, { title = "Ubiq" })
end

--- Run `workspace/executeCommand` on the Ubiq server of the current buffer; `done` gets the result.
--- Long commands report `$/progress` and their summary (`window/showMessage`) themselves.
---@param command string
---@param arguments any[]
---@param done? fun(result: any)
function M.execute(command, arguments, done)
  local client = require("ubiq").client(0)
  if not client then
    notify("the Ubiq language server is not running (see :checkhealth ubiq)", vim.log.levels.WARN)
    return
  end
  local request = { title = command, command = command, arguments = arguments }
  client:exec_cmd(request, { bufnr = 0 }, function(err, result)
    if err then
      notify(("%s failed: %s"):format(command, err.message), vim.log.levels.ERROR)
    elseif done then
      done(result)
    end
  end)
end

--- Show `path` in a split unless a window shows it already.
---@param path string
local function show_file(path)
  local bufnr = vim.fn.bufnr(path)
  if bufnr ~= -1 and vim.fn.bufwinid(bufnr) ~= -1 then
    return
  end
  vim.cmd.split(vim.fn.fnameescape(path))
end

--- Fill a scratch buffer called `name` with `text` and show it in a split.
---@param name string
---@param text string
---@param filetype string
local function show_scratch(name, text, filetype)
  local bufnr = vim.fn.bufnr(name)
  if bufnr == -1 then
    bufnr = api.nvim_create_buf(true, true)
    api.nvim_buf_set_name(bufnr, name)
  end
  vim.bo[bufnr].modifiable = true
  api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(text, "\n", { plain = true }))
  vim.bo[bufnr].modified = false
  vim.bo[bufnr].filetype = filetype
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("split")
    api.nvim_win_set_buf(0, bufnr)
  else
    api.nvim_set_current_win(win)
  end
end

--- JSON with sorted keys, two spaces an indent level (vim.json.encode has no indentation on 0.11).
---@param value any
---@param indent? string
---@return string
function M.pretty_json(value, indent)
  indent = indent or ""
  if type(value) ~= "table" then
    return vim.json.encode(value)
  end
  local inner = indent .. "  "
  local parts = {}
  if vim.tbl_isempty(value) then
    return getmetatable(value) == getmetatable(vim.empty_dict()) and "{}" or "[]"
  elseif vim.islist(value) then
    for _, item in ipairs(value) do
      parts[#parts + 1] = inner .. M.pretty_json(item, inner)
    end
    return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, key in ipairs(keys) do
    parts[#parts + 1] = inner .. vim.json.encode(tostring(key)) .. ": " .. M.pretty_json(value[key], inner)
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

--- Generate tests for the current file, or for one function or class in it; the server sends the
--- test file as a WorkspaceEdit (applied, unsaved, undoable), which is then shown.
---@param name? string
function M.gen_tests(name)
  if vim.bo.filetype ~= "python" then
    notify("UbiqGenTests works on a Python file", vim.log.levels.WARN)
    return
  end
  local target = name and name ~= "" and name or nil
  notify(("generating tests for %s…"):format(target or vim.fn.expand("%:t")))
  M.execute("ubiq.generateTests", { vim.uri_from_bufnr(0), target }, function(result)
    if type(result) == "table" and result.written then
      show_file(result.written)
    end
  end)
end

--- Names in the current buffer that tests can be generated for (for command-line completion).
---@param lead string
---@return string[]
function M.complete_names(lead)
  local names = {}
  for _, line in ipairs(api.nvim_buf_get_lines(0, 0, -1, false)) do
    local name = line:match("^%s*def%s+([%w_]+)") or line:match("^%s*class%s+([%w_]+)")
    if name and vim.startswith(name, lead) and not vim.list_contains(names, name) then
      names[#names + 1] = name
    end
  end
  return names
end

--- Draft a glossary entry for `term` with the model; the server edits the glossary file.
---@param term string
function M.glossary_add(term)
  notify(("drafting a glossary entry for %s…"):format(term))
  M.execute("ubiq.addGlossaryTerm", { { term = term } }, function(result)
    if type(result) == "table" and result.path then
      show_file(result.path)
    end
  end)
end

--- The ER model of the workspace (or of `path`): text formats into a scratch buffer, SVG into a
--- file whose path is shown (and opened with the system viewer when `open` is true).
---@param format? string
---@param path? string
---@param open? boolean
function M.er(format, path, open)
  format = format or "mermaid"
  if not vim.list_contains(ER_FORMATS, format) then
    local known = table.concat(ER_FORMATS, ", ")
    notify(("unknown ER format %s; one of: %s"):format(format, known), vim.log.levels.WARN)
    return
  end
  local options = { format = format }
  if path then
    options.uri = vim.uri_from_fname(vim.fn.fnamemodify(vim.fn.expand(path), ":p"))
  end
  M.execute("ubiq.erModel", { options }, function(result)
    if type(result) ~= "table" or type(result.text) ~= "string" then
      return
    end
    if format == "svg" then
      local file = vim.fs.joinpath(vim.fn.stdpath("cache"), "ubiq", "er.svg")
      vim.fn.mkdir(vim.fs.dirname(file), "p")
      vim.fn.writefile(vim.split(result.text, "\n", { plain = true }), file)
      notify("ER diagram written to " .. file)
      if open then
        vim.ui.open(file)
      end
    else
      show_scratch("ubiq://er." .. format, result.text, format == "ddl" and "sql" or format)
    end
    if result.warnings and #result.warnings > 0 then
      notify(("ER model: %d warnings (see the JSON format)"):format(#result.warnings), vim.log.levels.WARN)
    end
  end)
end

--- Completion statistics and the model's state, as JSON in a scratch buffer.
---@param reset? boolean  start the statistics over
function M.stats(reset)
  M.execute("ubiq.stats", { { reset = reset == true } }, function(result)
    show_scratch("ubiq://stats", M.pretty_json(result), "json")
  end)
end

--- Compare models on tasks cut from the workspace (`ubiq eval`); the server opens report.md.
---@param fargs string[]  an optional task count, then models (paths, pack names or "remote")
function M.eval(fargs)
  local options = { models = {} }
  for _, arg in ipairs(fargs) do
    if arg:match("^%d+$") then
      options.tasks = tonumber(arg)
    else
      table.insert(options.models, arg)
    end
  end
  M.execute("ubiq.eval", { options }, function(result)
    if type(result) == "table" and type(result.recommendation) == "string" then
      notify("eval: " .. result.recommendation .. " (" .. tostring(result.report) .. ")")
    end
  end)
end

--- A line that asks a question as a comment (`-- …` in SQL, `# …` in Python).
---@param line string
---@return boolean
local function is_comment(line)
  return line:match("^%s*%-%-%s*%S") ~= nil or line:match("^%s*#%s*%S") ~= nil
end

--- The LSP range of lines `first`..`last` (1-based) of the current buffer: the last visual
--- selection's columns when it was characterwise over those lines, else the whole lines.
---@param first integer
---@param last integer
---@return lsp.Range
local function selected_range(first, last)
  local client = require("ubiq").client(0)
  local encoding = client and client.offset_encoding or "utf-16"
  local lines = api.nvim_buf_get_lines(0, first - 1, last, false)
  local start_col, end_col = 0, #lines[#lines]
  local from, to = api.nvim_buf_get_mark(0, "<"), api.nvim_buf_get_mark(0, ">")
  if vim.fn.visualmode() == "v" and from[1] == first and to[1] == last then
    start_col = math.min(from[2], #lines[1])
    if to[2] < end_col then -- the mark is on the last selected character's first byte
      end_col = to[2] + 1 + vim.str_utf_end(lines[#lines], to[2] + 1)
    end
  end
  return {
    start = { line = first - 1, character = vim.str_utfindex(lines[1], encoding, start_col, false) },
    ["end"] = { line = last - 1, character = vim.str_utfindex(lines[#lines], encoding, end_col, false) },
  }
end

--- Write the SQL that answers a question and insert it below (the server's edit: undoable). The
--- question is `question`, else the selected lines `first`..`last` (1-based), else the comment on
--- the cursor line, else asked for.
---@param question? string
---@param first? integer
---@param last? integer
function M.sql_write(question, first, last)
  local options = { uri = vim.uri_from_bufnr(0), line = (last or api.nvim_win_get_cursor(0)[1]) - 1 }
  if question and question ~= "" then
    options.question = question
  elseif first and last then
    options.range = selected_range(first, last)
  elseif not is_comment(api.nvim_get_current_line()) then
    vim.ui.input({ prompt = "Ubiq: the question for the SQL: " }, function(input)
      if input and input:match("%S") then
        M.sql_write(input)
      end
    end)
    return
  end
  notify("writing SQL…")
  -- The server inserts the query itself (workspace/applyEdit) and says what it did or why not.
  M.execute("ubiq.sqlWrite", { options })
end

--- The plan of the SQL statement (or Python SQL string) on the cursor line, its findings and the
--- indexes advised, as Markdown in a scratch buffer.
function M.sql_explain()
  local options = { uri = vim.uri_from_bufnr(0), line = api.nvim_win_get_cursor(0)[1] - 1 }
  M.execute("ubiq.sqlExplain", { options }, function(result)
    if type(result) == "table" and type(result.markdown) == "string" then
      show_scratch("ubiq://sql-plan.md", result.markdown, "markdown")
    end
  end)
end

--- The context map read from the code (bounded contexts, aggregates, relationships with their
--- evidence) as Markdown with a Mermaid block, in a scratch buffer.
function M.context_map()
  M.execute("ubiq.dddMap", {}, function(result)
    if type(result) == "table" and type(result.markdown) == "string" then
      show_scratch("ubiq://context-map.md", result.markdown, "markdown")
    end
  end)
end

--- A question about the domain model, answered from the glossary and the code with file:line
--- citations (or "no evidence"), as Markdown in a scratch buffer; asked for when not given.
function M.ask_domain(question)
  if not question or not question:match("%S") then
    vim.ui.input({ prompt = "Ubiq: a question about the domain model: " }, function(input)
      if input and input:match("%S") then
        M.ask_domain(input)
      end
    end)
    return
  end
  M.execute("ubiq.dddAsk", { { question = question } }, function(result)
    if type(result) == "table" and type(result.markdown) == "string" then
      show_scratch("ubiq://domain-answer.md", result.markdown, "markdown")
    end
  end)
end

function M.create()
  local command = api.nvim_create_user_command
  command("UbiqGenTests", function(args)
    M.gen_tests(args.args)
  end, {
    nargs = "?",
    complete = M.complete_names,
    desc = "Ubiq: generate tests for this file, or for one function or class in it",
  })
  command("UbiqGlossaryAdd", function(args)
    M.glossary_add(args.args)
  end, { nargs = "+", desc = "Ubiq: draft a glossary entry for a term with the model" })
  command("UbiqER", function(args)
    M.er(args.fargs[1], args.fargs[2], args.bang)
  end, {
    nargs = "*",
    bang = true,
    complete = function(lead, line)
      local words = #vim.split(line, "%s+", { trimempty = true }) + (line:match("%s$") and 1 or 0)
      if words <= 2 then -- the first argument: the format
        return vim.tbl_filter(function(format)
          return vim.startswith(format, lead)
        end, ER_FORMATS)
      end
      return vim.fn.getcompletion(lead, "file")
    end,
    desc = "Ubiq: the ER model ([format] [file or folder]); ! opens an SVG",
  })
  command("UbiqStats", function(args)
    M.stats(args.bang)
  end, { bang = true, desc = "Ubiq: completion statistics and model state (! resets them)" })
  command("UbiqEval", function(args)
    M.eval(args.fargs)
  end, { nargs = "*", desc = "Ubiq: compare models on this workspace ([tasks] [model ...])" })
  command("UbiqSqlWrite", function(args)
    if args.range > 0 then
      M.sql_write(args.args, args.line1, args.line2)
    else
      M.sql_write(args.args)
    end
  end, {
    nargs = "?",
    range = true,
    desc = "Ubiq: write the SQL for [question], the selection or the comment on the cursor line",
  })
  command("UbiqSqlExplain", function()
    M.sql_explain()
  end, { desc = "Ubiq: the plan of the SQL at the cursor, its costs and the indexes advised" })
  command("UbiqContextMap", function()
    M.context_map()
  end, { desc = "Ubiq: the bounded contexts, their aggregates and relationships, read from the code" })
  command("UbiqAskDomain", function(args)
    M.ask_domain(args.args)
  end, { nargs = "?", desc = "Ubiq: ask about the domain model (answered from the glossary and the code)" })
end

return M
