# alloc_tasks: the allocation benchmark of "Toward Ractor local GC"
# (RubyKaigi 2025), the same algorithm and output as
# bench-scripts/alloc_tasks.iv, with one Ractor per isolate: SIZE tasks
# (task i allocates a pair, a string "task i" and a small hash, and returns
# pair[1] + the string's length) split into ISOLATES contiguous ranges.
# Prints "tasks: SIZE checksum: C".
# Usage: ruby bench-scripts/peers/alloc_tasks.rb [SIZE] [ISOLATES]   (default 200000 1)
require_relative "ractor_split"

def task(i)
  pair = [i, i + 1]
  label = "task " + i.to_s
  record = { "id" => i, "pair" => pair, "label" => label }
  record["pair"][1] + record["label"].length
end

def worker(first, count)
  sum = 0
  (first...first + count).each { |i| sum += task(i) }
  sum
end

n, rn = size_and_isolates(200000)
parts = on_ractors(n, rn)
sum = parts.sum
puts "tasks: #{n} checksum: #{sum}"
