-- Driven by neovim.rs: Neovim, headless, with its built-in LSP client and the repository's
-- compiler/idpc-lsp/editors/neovim/idpc.lua, opens a file with a typo, waits for the
-- diagnostic, accepts the quick fix, formats the file and writes it. What it saw goes to
-- $IDPC_NVIM_LOG, one fact per line.
local log = assert(io.open(os.getenv('IDPC_NVIM_LOG'), 'w'))
local function say(line)
  log:write(line .. '\n')
  log:flush()
end

vim.g.idpc_command = os.getenv('IDPC_BIN')
dofile(os.getenv('IDPC_PLUGIN'))
vim.cmd('edit ' .. os.getenv('IDPC_FILE'))
local buf = vim.api.nvim_get_current_buf()
say('filetype ' .. vim.bo[buf].filetype)

local errors = function()
  return vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })
end
if not vim.wait(30000, function() return #errors() > 0 end, 20) then
  say('no diagnostic')
  vim.cmd('qa!')
end
local d = errors()[1]
say('diagnostic ' .. (d.lnum + 1) .. ' ' .. tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)))

-- Accept the first quick fix offered at the diagnostic.
vim.ui.select = function(items, _, on_choice)
  on_choice(items[1], 1)
end
vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
vim.lsp.buf.code_action()
local fixed = vim.wait(10000, function() return #errors() == 0 end, 20)
say('fixed ' .. tostring(fixed))

if vim.lsp.buf.format then
  vim.lsp.buf.format({ timeout_ms = 10000 })
else
  vim.lsp.buf.formatting_sync(nil, 10000)
end
vim.cmd('write')
say('written')
log:close()
vim.cmd('qa!')
