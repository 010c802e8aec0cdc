-- make bench's reader visits for wrk: `wrk -s bench/visit_mix.lua URL -- STORIES VISITS`.
--
-- STORIES has one line per story, "<article path>\t<comments block path>", most
-- read first; VISITS has one story number (0-based) per line, drawn by
-- bench/bench.py from a skewed popularity. Each visit is two requests, as a
-- browser makes them: the article page, then the comments block its script
-- fetches. Both files are read once per thread and the requests formatted up
-- front, so request() does no work beyond picking the next one.

local stories = {}  -- per story: {article page request, comments block request}
local visits = {}   -- story numbers (1-based), in the order readers arrive
local next_visit = 1
-- The comments block of the visit under way. A thread's connections share it:
-- the next request on any of them fetches it, which keeps the mix of requests.
local pending = nil

function setup(thread)
   created = (created or 0) + 1
   thread:set("thread_number", created)
end

function init(args)
   for line in io.lines(args[1]) do
      local article, block = line:match("^(%S+)\t(%S+)$")
      stories[#stories + 1] = {wrk.format(nil, article), wrk.format(nil, block)}
   end
   for line in io.lines(args[2]) do
      visits[#visits + 1] = tonumber(line) + 1
   end
   -- Each thread starts at its own place in the sequence (7919 is prime), so
   -- threads do not ask for the same story at the same moment.
   next_visit = ((thread_number or 1) - 1) * 7919 % #visits + 1
end

function request()
   if pending then
      local block = pending
      pending = nil
      return block
   end
   local story = stories[visits[next_visit]]
   next_visit = next_visit % #visits + 1
   pending = story[2]
   return story[1]
end
