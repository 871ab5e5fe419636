-- alloc_tasks: the allocation benchmark of "Toward Ractor local GC", the same
-- algorithm and output as bench-scripts/alloc_tasks.iv, on one thread: Lua
-- has no parallel isolates, so ISOLATES is accepted and ignored (the work is
-- SIZE tasks whatever it says, and the output does not depend on it).
-- Task i allocates a pair, a string "task i" and a small table, and returns
-- pair[2] + the string's length. Prints "tasks: SIZE checksum: C".
-- Usage: lua5.4 bench-scripts/peers/alloc_tasks.lua [SIZE] [ISOLATES]   (default 200000 1)
local function task(i)
  local pair = { i, i + 1 }
  local label = "task " .. i
  local record = { id = i, pair = pair, label = label }
  return record.pair[2] + #record.label
end

local n = math.tointeger(tonumber(arg[1] or 200000))
local sum = 0
for i = 0, n - 1 do sum = sum + task(i) end
print(string.format("tasks: %d checksum: %d", n, sum))
