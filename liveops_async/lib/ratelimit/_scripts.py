"""Lua scripts of the shared bucket. Redis runs each atomically, so every process sees one budget.

The bucket is a GCRA ("generic cell rate algorithm") token bucket: instead of a token count it
stores the theoretical arrival time (TAT) of the next request, in microseconds of Redis server
time (``TIME``), so the clocks of the client machines never matter. Every call reserves a slot
and returns how long the caller must wait for it, so a caller needs one round trip, not a poll.
Numbers are written with ``%.0f``: Lua's ``tostring`` would print ``1.7e+15`` and lose digits.
"""

from __future__ import annotations

# KEYS[1] TAT of the bucket; KEYS[2] end of the shared pause (set after a 429).
# ARGV[1] emission interval in microseconds (1e6 / rate); ARGV[2] burst.
# Returns {microseconds to wait for the reserved slot, end of the pause seen (0 if none)}.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause_end = tonumber(redis.call('GET', KEYS[2]) or '0')
if tat < now then tat = now end
if pause_end > now then
  -- Nothing goes before the pause ends; then one request at once and the rest at the rate.
  local resume = pause_end + (burst - 1) * interval
  if tat < resume then tat = resume end
else
  pause_end = 0
end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait < 0 then wait = 0 end
-- Once TAT is in the past the bucket is full, which is what a missing key means too.
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
           'PX', math.floor((new_tat - now) / 1000) + 1000)
return {math.floor(wait), math.floor(pause_end)}
"""

# KEYS[1] TAT of the bucket; KEYS[2] end of the shared pause.
# ARGV[1] pause length in milliseconds (may be 0); ARGV[2] emission interval; ARGV[3] burst.
# The bucket is drained so that after the pause one request goes at once and the rest follow at
# the rate. A pause only ever grows: a short Retry-After never cuts a longer pause short.
PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ms = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local pause_end = now + ms * 1000
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if ms > 0 and current < pause_end then
  redis.call('SET', KEYS[2], string.format('%.0f', pause_end), 'PX', ms)
end
local drained = pause_end + (burst - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < drained then
  redis.call('SET', KEYS[1], string.format('%.0f', drained),
             'PX', math.floor((drained - now) / 1000) + 1000)
end
return 1
"""
