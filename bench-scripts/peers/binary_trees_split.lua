-- binary_trees (bench-scripts/binary_trees.iv's contract): the Benchmarks
-- Game's binary-trees reshaped so that SIZE sets the total work; the same
-- algorithm and output as the VM's workload, on one thread: Lua has no
-- parallel isolates, so ISOLATES is accepted and ignored (one worker does
-- every tree; the output does not depend on it). peers/binary_trees.lua is
-- the classic program taking a depth, used by vm/benches/peers.rs.
-- A node is {left, right}; a leaf is {false, false}.
-- SIZE: tree nodes in all; depth d in 4, 6, ..., 16 gets
-- SIZE // 7 // (2^(d+1) - 1) trees; a long-lived tree of the deepest depth
-- that got a tree is kept throughout. Prints "trees: T check: C".
-- Usage: lua5.4 bench-scripts/peers/binary_trees_split.lua [SIZE] [ISOLATES]   (default 2000000 1)
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

local size = math.tointeger(tonumber(arg[1] or 2000000))
local plan, deepest = {}, 0
for depth = 4, 16, 2 do
  local trees = size // 7 // ((1 << (depth + 1)) - 1)
  plan[#plan + 1] = { depth, trees }
  if trees > 0 then deepest = depth end
end

local long_lived = bottom_up_tree(deepest)
local built, check = 0, 0
for _, step in ipairs(plan) do
  local depth, trees = step[1], step[2]
  for _ = 1, trees do
    check = check + item_check(bottom_up_tree(depth))
    built = built + 1
  end
end
print(string.format("trees: %d check: %d", built, check + item_check(long_lived)))
