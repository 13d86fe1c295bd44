"""Lua scripts of the shared bucket. Redis runs each atomically, so every process sees one budget.

The bucket is a GCRA ("generic cell rate algorithm") token bucket: instead of a token count it
stores the theoretical arrival time (TAT) of the next request, in microseconds of Redis server
time (``TIME``), so the clocks of the client machines never matter. Every call reserves one or
more slots and returns when the first is due, so a caller needs one round trip, not a poll.
Numbers are written with ``%.0f``: Lua's ``tostring`` would print ``1.7e+15`` and lose digits.

Both scripts take "now" as an optional last argument: empty means the server's ``TIME`` (what
production uses); a number of microseconds replaces it, so tests can drive a real redis-server
on a fake clock and assert on exact decisions.
"""

from __future__ import annotations

# Shared prologue: `now` in microseconds, from the caller's argument or from the server clock.
# Keys expire (on the server's own clock) `keep` ms after they stop mattering: a second in
# production; a minute on a caller's clock, so a stalled test machine cannot expire them early.
_NOW = """
local now = tonumber(ARGV[{index}])
local keep = 60000
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  keep = 1000
end
"""

# KEYS[1] TAT of the bucket; KEYS[2] end of the shared pause (set after a 429).
# ARGV[1] emission interval in microseconds (1e6 / rate); ARGV[2] burst; ARGV[3] how many slots
# to reserve (1, or a lease of several); ARGV[4] now in microseconds, or '' for the server clock;
# ARGV[5] '' or the due time (script clock) of a slot reserved earlier, to check against pauses.
# Returns {when the first reserved slot is due, in microseconds from now (negative: already
# due for that long; slot i is due `i * interval` later), the same as a time on the script's
# clock (a pause ending after it began after this reservation), 0 if a pause that began since
# voids the slot of ARGV[5] (it ends after that slot was due), else 1}.
ACQUIRE = (
    _NOW.format(index=4)
    + """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local checked = tonumber(ARGV[5])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause_end = tonumber(redis.call('GET', KEYS[2]) or '0')
local stands = 1
if checked ~= nil and pause_end > checked then stands = 0 end
if tat < now then tat = now end
if pause_end > now then
  -- Nothing goes before the pause ends; then one request at once and the rest at the rate.
  local resume = pause_end + (burst - 1) * interval
  if tat < resume then tat = resume end
end
local first_due = tat + interval - burst * interval - now
local new_tat = tat + count * interval
-- Once TAT is in the past the bucket is full, which is what a missing key means too.
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
           'PX', math.floor((new_tat - now) / 1000) + keep)
return {math.floor(first_due), math.floor(now + first_due), stands}
"""
)

# KEYS[1] TAT of the bucket; KEYS[2] end of the shared pause.
# ARGV[1] pause length in milliseconds (may be 0); ARGV[2] emission interval; ARGV[3] burst;
# ARGV[4] now in microseconds, or '' for the server clock.
# The bucket is drained so that after the pause one request goes at once and the rest follow at
# the rate. A pause only ever grows: a short Retry-After never cuts a longer pause short.
PAUSE = (
    _NOW.format(index=4)
    + """
local ms = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local pause_end = now + ms * 1000
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if ms > 0 and current < pause_end then
  redis.call('SET', KEYS[2], string.format('%.0f', pause_end), 'PX', ms + keep - 1000)
end
local drained = pause_end + (burst - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < drained then
  redis.call('SET', KEYS[1], string.format('%.0f', drained),
             'PX', math.floor((drained - now) / 1000) + keep)
end
return 1
"""
)
