-- lock_release.lua - releases a lock only if it is still ours: deletes KEYS[1] when its value is
-- ARGV[1] (the token this holder set with SET NX PX). Replies 1 when released, 0 when the lock
-- had expired or belongs to another holder by now.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
