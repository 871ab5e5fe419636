# long_lived: many long-lived objects retained per isolate, the second
# workload of "Toward Ractor local GC" (RubyKaigi 2025); the same algorithm
# and output as bench-scripts/long_lived.iv, with one Ractor per isolate.
# SIZE records [i, "item" + i, [i % 7, i % 11]] are built and kept until the
# end (each with two short-lived objects made and dropped), split into
# ISOLATES contiguous ranges; the sum is read back from the kept records.
# Prints "records: SIZE checksum: C".
# Usage: ruby bench-scripts/peers/long_lived.rb [SIZE] [ISOLATES]   (default 100000 1)
Warning[:experimental] = false # Ractors warn that they are experimental

def make_record(i)
  scratch = [i, i * 2, i * 3]
  _note = "tmp" + scratch[2].to_s # garbage, like the scratch array
  [i, "item" + i.to_s, [i % 7, i % 11]]
end

def record_sum(rec)
  rec[0] + rec[1].length + rec[2][0] * rec[2][1]
end

def worker(first, count)
  kept = []
  (first...first + count).each { |i| kept << make_record(i) }
  sum = 0
  kept.each { |rec| sum += record_sum(rec) }
  sum
end

n = (ARGV[0] || 100000).to_i
rn = (ARGV[1] || 1).to_i
first = 0
ractors = (0...rn).map do |r|
  count = n / rn + (r < n % rn ? 1 : 0)
  ractor = Ractor.new(first, count) { |f, c| worker(f, c) }
  first += count
  ractor
end
sum = ractors.sum(&:take)
puts "records: #{n} checksum: #{sum}"
