# long_lived: many long-lived objects retained per isolate, the second
# workload of "Toward Ractor local GC" (RubyKaigi 2025); the same algorithm
# and output as bench-scripts/long_lived.iv, with one Ractor per isolate.
# SIZE records [i, "item" + i, [i % 7, i % 11]] are built and kept until the
# end (each with two short-lived objects made and dropped), split into
# ISOLATES contiguous ranges; the sum is read back from the kept records.
# Prints "records: SIZE checksum: C".
# Usage: ruby bench-scripts/peers/long_lived.rb [SIZE] [ISOLATES]   (default 100000 1)
require_relative "ractor_split"

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

n, rn = size_and_isolates(100000)
parts = on_ractors(n, rn)
sum = parts.sum
puts "records: #{n} checksum: #{sum}"
