-- Benchmarks Game binary-trees, the same algorithm as examples/binary_trees.iv:
-- a node is a 2-element table {left, right}; a leaf is {false, false}.
local function bottom_up_tree(depth)
  if depth > 0 then
    depth = depth - 1
    return { bottom_up_tree(depth), bottom_up_tree(depth) }
  end
  return { false, false }
end

local function item_check(tree)
  if not tree[1] then return 1 end
  return 1 + item_check(tree[1]) + item_check(tree[2])
end

local n = tonumber(arg[1] or 6)
local min_depth = 4
local max_depth = math.max(min_depth + 2, n)
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d\t check: %d", stretch, item_check(bottom_up_tree(stretch))))
local long_lived = bottom_up_tree(max_depth)
for depth = min_depth, max_depth, 2 do
  local iterations = 2 ^ (max_depth - depth + min_depth)
  local check = 0
  for _ = 1, iterations do check = check + item_check(bottom_up_tree(depth)) end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, check))
end
print(string.format("long lived tree of depth %d\t check: %d", max_depth, item_check(long_lived)))
