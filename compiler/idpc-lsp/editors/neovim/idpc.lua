-- idpc's language server in Neovim (0.7 and later), with no plugin: put this file on the
-- runtime path (for example as ~/.config/nvim/plugin/idpc.lua). Every `.kdl` file is opened as
-- filetype `kdl` and attached to `idpc lsp`, started once per description root (the nearest
-- directory with a `.git`, else the file's directory; the server finds the description itself).
vim.cmd([[autocmd BufRead,BufNewFile *.kdl setfiletype kdl]])

local clients = {}

local function root_of(file)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return dir
end

local function attach(args)
  local buf = args and args.buf or vim.api.nvim_get_current_buf()
  local file = vim.api.nvim_buf_get_name(buf)
  if file == '' then
    return
  end
  local root = root_of(file)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = 'idpc',
      cmd = { vim.g.idpc_command or 'idpc', 'lsp' },
      root_dir = root,
    })
    clients[root] = id
  end
  vim.lsp.buf_attach_client(buf, id)
end

vim.api.nvim_create_autocmd('FileType', { pattern = 'kdl', callback = attach })

return { attach = attach }
