# What the Ruby peers of the talk workloads share: their arguments and the
# split of 0...SIZE into ISOLATES contiguous ranges, one Ractor each.
# Loaded with require_relative, so each peer still runs as `ruby FILE`.
Warning[:experimental] = false # Ractors warn that they are experimental

# [SIZE, ISOLATES] from the command line; ISOLATES defaults to 1.
def size_and_isolates(default_size)
  [(ARGV[0] || default_size).to_i, (ARGV[1] || 1).to_i]
end

# Runs the script's worker(first, count) on rn Ractors, one per contiguous
# range of 0...n (the first n % rn ranges get one unit more), and returns
# their results in range order.
def on_ractors(n, rn)
  first = 0
  ractors = (0...rn).map do |r|
    count = n / rn + (r < n % rn ? 1 : 0)
    ractor = Ractor.new(first, count) { |f, c| worker(f, c) }
    first += count
    ractor
  end
  ractors.map(&:take)
end
