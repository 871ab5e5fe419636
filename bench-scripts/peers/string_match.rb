# string_match: string matching with the native matcher, the third workload
# of "Toward Ractor local GC" (RubyKaigi 2025); the same algorithm and output
# as bench-scripts/string_match.iv, with one Ractor per isolate and
# String#scan for the VM's matches(). SIZE log lines, generated from their
# line numbers, split into ISOLATES contiguous ranges.
# Prints "lines: SIZE fields: F field_chars: C slow: S".
# Usage: ruby bench-scripts/peers/string_match.rb [SIZE] [ISOLATES]   (default 20000 1)
require_relative "ractor_split"

def vocabulary
  [
    %w[INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR INFO],
    %w[billing search auth catalog checkout profile mailer],
    %w[orders users items carts invoices],
    %w[200 200 200 201 204 301 404 200 500 503 200],
  ]
end

def log_line(words, i)
  day = i % 28 + 1
  date = "2025-03-" + (day / 10).to_s + (day % 10).to_s
  [
    date,
    words[0][i * 7 % 10],
    "svc=" + words[1][i % 7],
    "req=" + i.to_s,
    "user=u" + (i * 7919 % 10007).to_s,
    "path=/api/v" + (i % 3 + 1).to_s + "/" + words[2][i * 3 % 5] + "/" + (i % 997).to_s,
    "status=" + words[3][i * 13 % 11],
    "took=" + (i * 31 % 1277).to_s + "ms",
  ].join(" ")
end

def worker(first, count)
  words = vocabulary
  fields = 0
  chars = 0
  slow = 0
  (first...first + count).each do |i|
    line = log_line(words, i)
    found = line.scan(/[a-z]+=[^ ]+/)
    fields += found.length
    found.each { |f| chars += f.length }
    slow += line.scan(/took=[0-9]{3,}ms/).length
  end
  [fields, chars, slow]
end

n, rn = size_and_isolates(20000)
parts = on_ractors(n, rn)
total = [0, 0, 0]
parts.each { |part| 3.times { |k| total[k] += part[k] } }
puts "lines: #{n} fields: #{total[0]} field_chars: #{total[1]} slow: #{total[2]}"
