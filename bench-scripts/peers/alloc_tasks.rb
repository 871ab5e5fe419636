# alloc_tasks: the allocation benchmark of "Toward Ractor local GC"
# (RubyKaigi 2025), the same algorithm and output as
# bench-scripts/alloc_tasks.iv, with one Ractor per isolate: SIZE tasks
# (task i allocates a pair, a string "task i" and a small hash, and returns
# pair[1] + the string's length) split into ISOLATES contiguous ranges.
# Prints "tasks: SIZE checksum: C".
# Usage: ruby bench-scripts/peers/alloc_tasks.rb [SIZE] [ISOLATES]   (default 200000 1)
Warning[:experimental] = false # Ractors warn that they are experimental

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

n = (ARGV[0] || 200000).to_i
rn = (ARGV[1] || 1).to_i
first = 0
ractors = (0...rn).map do |r|
  count = n / rn + (r < n % rn ? 1 : 0)
  ractor = Ractor.new(first, count) { |f, c| worker(f, c) }
  first += count
  ractor
end
sum = ractors.sum(&:take)
puts "tasks: #{n} checksum: #{sum}"
