--- Ghost text for Neovim 0.11: `textDocument/inlineCompletion` answers shown as extmarks at the
--- cursor, asked for while typing, with accept / next / dismiss. (0.12 has `vim.lsp.inline_completion`.)
local M = {}

local api = vim.api
local INVOKED, AUTOMATIC = 1, 2 -- lsp.InlineCompletionTriggerKind
local HIGHLIGHT = "UbiqGhostText"

M.namespace = api.nvim_create_namespace("ubiq.ghost")

---@class ubiq.ghost.Item
---@field text string
---@field start integer[]  { row, col }: 0-based row and byte column where the text goes
---@field finish integer[]  { row, col }: the end of the text it replaces
---@field tick integer  the buffer's changedtick when it was asked for
---@field to_cursor boolean  it replaces nothing after the cursor, so it survives typing through it

---@class ubiq.ghost.State
---@field bufnr integer
---@field client_id integer
---@field debounce_ms integer
---@field timer uv.uv_timer_t
---@field pending? integer  the id of the request in flight
---@field items ubiq.ghost.Item[]
---@field index integer
---@field shown boolean

---@type table<integer, ubiq.ghost.State>
local states = {}

local function define_highlight()
  api.nvim_set_hl(0, HIGHLIGHT, { link = "Comment", default = true })
end
define_highlight()
api.nvim_create_autocmd("ColorScheme", {
  group = api.nvim_create_augroup("ubiq.ghost", { clear = true }),
  callback = define_highlight,
})

---@return integer row, integer col  0-based row, byte column
local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function in_insert_mode()
  return api.nvim_get_mode().mode:sub(1, 1) == "i"
end

---@param bufnr? integer
---@return ubiq.ghost.State?
local function state_of(bufnr)
  return states[(bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr]
end

---@param state ubiq.ghost.State
local function cancel(state)
  state.timer:stop()
  local id = state.pending
  state.pending = nil
  local client = id and vim.lsp.get_client_by_id(state.client_id)
  if client then
    client:cancel_request(id)
  end
end

---@param state ubiq.ghost.State
local function hide(state)
  if api.nvim_buf_is_valid(state.bufnr) then
    api.nvim_buf_clear_namespace(state.bufnr, M.namespace, 0, -1)
  end
  state.shown = false
end

---@param state ubiq.ghost.State
local function clear(state)
  cancel(state)
  hide(state)
  state.items, state.index = {}, 1
end

--- The part of the item not in the buffer yet: nil when what was typed since does not match it.
---@param state ubiq.ghost.State
---@param item ubiq.ghost.Item
---@return string?
local function remainder(state, item)
  if item.tick ~= api.nvim_buf_get_changedtick(state.bufnr) and not item.to_cursor then
    return nil
  end
  local row, col = cursor()
  if row < item.start[1] or (row == item.start[1] and col < item.start[2]) then
    return nil
  end
  local ok, typed = pcall(api.nvim_buf_get_text, state.bufnr, item.start[1], item.start[2], row, col, {})
  if not ok then
    return nil
  end
  local prefix = table.concat(typed, "\n")
  if #prefix >= #item.text or item.text:sub(1, #prefix) ~= prefix then
    return nil
  end
  return item.text:sub(#prefix + 1)
end

--- Show the current item at the cursor: the first line inside the line, the rest below it.
---@param state ubiq.ghost.State
---@return boolean shown
local function render(state)
  hide(state)
  local item = state.items[state.index]
  local rest = item and remainder(state, item)
  if not rest then
    return false
  end
  local spaces = (" "):rep(vim.bo[state.bufnr].tabstop)
  local lines = vim.split((rest:gsub("\t", spaces)), "\n", { plain = true })
  local below = {}
  for i = 2, #lines do
    below[#below + 1] = { { lines[i], HIGHLIGHT } }
  end
  local row, col = cursor()
  api.nvim_buf_set_extmark(state.bufnr, M.namespace, row, col, {
    virt_text = lines[1] ~= "" and { { lines[1], HIGHLIGHT } } or nil,
    virt_text_pos = "inline",
    virt_lines = #below > 0 and below or nil,
  })
  state.shown = true
  return true
end

---@param bufnr integer
---@param position lsp.Position
---@param encoding string
---@return integer[]
local function to_byte_position(bufnr, position, encoding)
  local line = api.nvim_buf_get_lines(bufnr, position.line, position.line + 1, false)[1] or ""
  return { position.line, vim.str_byteindex(line, encoding, position.character, false) }
end

---@param state ubiq.ghost.State
---@param result lsp.InlineCompletionList|lsp.InlineCompletionItem[]|nil
---@param encoding string
---@param tick integer
---@return ubiq.ghost.Item[]
local function to_items(state, result, encoding, tick)
  local row, col = cursor()
  local items = {}
  for _, raw in ipairs(result and (result.items or result) or {}) do
    if type(raw.insertText) == "string" and raw.insertText ~= "" then
      local start, finish = { row, col }, { row, col }
      if raw.range then
        start = to_byte_position(state.bufnr, raw.range.start, encoding)
        finish = to_byte_position(state.bufnr, raw.range["end"], encoding)
      end
      items[#items + 1] = {
        text = raw.insertText,
        start = start,
        finish = finish,
        tick = tick,
        to_cursor = finish[1] == row and finish[2] == col,
      }
    end
  end
  return items
end

--- Ask the server for suggestions at the cursor; the previous request is cancelled.
---@param state ubiq.ghost.State
---@param trigger_kind integer
local function request(state, trigger_kind)
  cancel(state)
  local client = vim.lsp.get_client_by_id(state.client_id)
  if not client or client:is_stopped() or api.nvim_get_current_buf() ~= state.bufnr then
    return
  end
  local row, col = cursor()
  local tick = api.nvim_buf_get_changedtick(state.bufnr)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = trigger_kind }
  local ok, id
  ok, id = client:request("textDocument/inlineCompletion", params, function(err, result)
    if state.pending ~= id then
      return -- cancelled, or overtaken by a newer request
    end
    state.pending = nil
    if err then
      vim.lsp.log.warn("ubiq: textDocument/inlineCompletion failed:", err)
      return
    end
    local now_row, now_col = cursor()
    local same_place = now_row == row and now_col == col and api.nvim_get_current_buf() == state.bufnr
    if not same_place or not in_insert_mode() or api.nvim_buf_get_changedtick(state.bufnr) ~= tick then
      return
    end
    state.items, state.index = to_items(state, result, client.offset_encoding, tick), 1
    render(state)
  end, state.bufnr)
  state.pending = ok and id or nil
end

--- After a keystroke: keep showing what is left of a suggestion the user is typing through,
--- otherwise ask again once typing pauses.
---@param state ubiq.ghost.State
local function on_change(state)
  if render(state) then
    return
  end
  clear(state)
  state.timer:start(
    state.debounce_ms,
    0,
    vim.schedule_wrap(function()
      if api.nvim_buf_is_valid(state.bufnr) and in_insert_mode() then
        request(state, AUTOMATIC)
      end
    end)
  )
end

--- Show suggestions from `client` in `bufnr` while typing in insert mode.
---@param bufnr integer
---@param client vim.lsp.Client
---@param debounce_ms integer
function M.attach(bufnr, client, debounce_ms)
  if states[bufnr] then
    states[bufnr].client_id = client.id
    return
  end
  ---@type ubiq.ghost.State
  local state = {
    bufnr = bufnr,
    client_id = client.id,
    debounce_ms = debounce_ms,
    timer = assert(vim.uv.new_timer()),
    items = {},
    index = 1,
    shown = false,
  }
  states[bufnr] = state
  local group = api.nvim_create_augroup("ubiq.ghost." .. bufnr, { clear = true })
  api.nvim_create_autocmd({ "InsertEnter", "TextChangedI", "CursorMovedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      on_change(state)
    end,
  })
  api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      clear(state)
    end,
  })
  api.nvim_create_autocmd("LspDetach", {
    group = group,
    buffer = bufnr,
    callback = function(args)
      if args.data.client_id == state.client_id then
        M.detach(bufnr)
      end
    end,
  })
  api.nvim_create_autocmd("BufUnload", {
    group = group,
    buffer = bufnr,
    callback = function()
      M.detach(bufnr)
    end,
  })
end

---@param bufnr integer
function M.detach(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  states[bufnr] = nil
  clear(state)
  state.timer:close()
  pcall(api.nvim_del_augroup_by_name, "ubiq.ghost." .. bufnr)
end

--- The server has prepared the full prompt for an answer that was empty or quick
--- (`ubiq/completionReady`): ask again if the cursor is still where it was asked for, or further on
--- the same line (the user typed while it was prepared: the prompt serves the typed-ahead text too).
---@param bufnr integer
---@param position lsp.Position
function M.ready(bufnr, position)
  local state = states[bufnr]
  if not state or api.nvim_get_current_buf() ~= bufnr or not in_insert_mode() then
    return
  end
  local client = vim.lsp.get_client_by_id(state.client_id)
  if not client then
    return
  end
  local here = vim.lsp.util.make_position_params(0, client.offset_encoding).position
  if here.line == position.line and here.character >= position.character then
    request(state, AUTOMATIC)
  end
end

--- Whether a suggestion shows in the buffer (default: the current one).
---@param bufnr? integer
function M.visible(bufnr)
  local state = state_of(bufnr)
  return state ~= nil and state.shown
end

--- The suggestion on display, as it would be inserted (nil when none shows).
---@param bufnr? integer
---@return string?
function M.current(bufnr)
  local state = state_of(bufnr)
  return state and state.shown and state.items[state.index].text or nil
end

--- Insert the suggestion on display at its range and put the cursor after it.
---@param bufnr? integer
---@return boolean accepted
function M.accept(bufnr)
  local state = state_of(bufnr)
  if not state or not state.shown then
    return false
  end
  local item = state.items[state.index]
  local row, col = cursor()
  local finish = item.to_cursor and { row, col } or item.finish
  clear(state)
  local lines = vim.split(item.text, "\n", { plain = true })
  api.nvim_buf_set_text(state.bufnr, item.start[1], item.start[2], finish[1], finish[2], lines)
  local last_col = (#lines == 1 and item.start[2] or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { item.start[1] + #lines, last_col })
  return true
end

--- Show the next suggestion, or ask for one when there is no other.
---@param bufnr? integer
function M.next(bufnr)
  local state = state_of(bufnr)
  if not state then
    return
  end
  if #state.items > 1 then
    state.index = state.index % #state.items + 1
    render(state)
  else
    request(state, INVOKED)
  end
end

--- Hide the suggestion (until the next keystroke).
---@param bufnr? integer
function M.dismiss(bufnr)
  local state = state_of(bufnr)
  if state then
    clear(state)
  end
end

return M
