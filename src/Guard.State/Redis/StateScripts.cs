using Guard.Redis;

namespace Guard.State.Redis;

/// <summary>
/// The Lua scripts behind <see cref="RedisStateStore"/>. Time is the server's (<c>TIME</c>), so every Guard process
/// agrees on refills and windows whatever its own clock says (Redis 5+ replicates scripts by effect, so reading the
/// clock is allowed). Numbers go back as strings: Redis would truncate a Lua number reply to an integer. Token counts
/// are stored with 17 significant digits, so a round trip through a string loses nothing.
/// </summary>
internal static class StateScripts
{
    private const string Common = """
        local function s(x) return string.format('%.17g', x) end
        local function now_us()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000000 + tonumber(t[2])
        end

        """;

    /// <summary>
    /// KEYS: ban, deny, allow (only when ARGV[1] is '1'), then one key per bucket, then one per quota.
    /// ARGV: checks ('1'/'0'), cost, bucket count, quota count, then capacity and refill per second for each bucket,
    /// then limit and window (ms) for each quota.
    /// Returns {'D'} denied, {'B', reason, pttl} banned, {'L'} allow-listed, {'R'|'Q', index, wait ms or -1}
    /// refused by the index-th bucket or quota (0-based), or {'A', now ms} admitted (everything taken).
    /// </summary>
    public static RedisScript Admit { get; } = new(Common + """
        local cost = tonumber(ARGV[2])
        local nb = tonumber(ARGV[3])
        local nq = tonumber(ARGV[4])
        local now = now_us()
        local now_ms = math.floor(now / 1000)
        local k = 0
        if ARGV[1] == '1' then
          if redis.call('EXISTS', KEYS[2]) == 1 then return {'D'} end
          local reason = redis.call('HGET', KEYS[1], 'r')
          if reason then return {'B', reason, s(redis.call('PTTL', KEYS[1]))} end
          if redis.call('EXISTS', KEYS[3]) == 1 then return {'L'} end
          k = 3
        end

        -- Check everything first; a refusal writes nothing. Report the refusal that lifts last (-1: never).
        local worst_kind, worst_index, worst_wait = nil, 0, 0
        local function refuse(kind, index, wait)
          if worst_kind == nil or (worst_wait >= 0 and (wait < 0 or wait > worst_wait)) then
            worst_kind, worst_index, worst_wait = kind, index, wait
          end
        end
        local tokens = {}
        for i = 1, nb do
          local capacity, rate = tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i])
          local state = redis.call('HMGET', KEYS[k + i], 't', 'ts')
          local t = capacity
          if state[1] and state[2] then
            t = math.min(capacity, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) / 1000000 * rate)
          end
          tokens[i] = t
          if t < cost then
            if cost > capacity or rate <= 0 then refuse('R', i - 1, -1)
            else refuse('R', i - 1, math.ceil((cost - t) / rate * 1000)) end
          end
        end
        local qbase = 4 + 2 * nb
        local starts, used = {}, {}
        for j = 1, nq do
          local limit, window = tonumber(ARGV[qbase + 2 * j - 1]), tonumber(ARGV[qbase + 2 * j])
          local start = now_ms - (now_ms % window)
          local state = redis.call('HMGET', KEYS[k + nb + j], 'w', 'n')
          local n = 0
          if state[1] and state[2] and tonumber(state[1]) == start then n = tonumber(state[2]) end
          starts[j], used[j] = start, n
          if n + cost > limit then
            if cost > limit then refuse('Q', j - 1, -1)
            else refuse('Q', j - 1, start + window - now_ms) end
          end
        end
        if worst_kind then return {worst_kind, s(worst_index), s(worst_wait)} end

        for i = 1, nb do
          local capacity, rate = tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i])
          local key, left = KEYS[k + i], tokens[i] - cost
          redis.call('HSET', key, 't', s(left), 'ts', s(now))
          if rate > 0 then
            -- Once full again the state says nothing a missing key would not.
            redis.call('PEXPIRE', key, s(math.min(1e12, math.ceil((capacity - left) / rate * 1000) + 1000)))
          else
            redis.call('PERSIST', key)
          end
        end
        for j = 1, nq do
          local window = tonumber(ARGV[qbase + 2 * j])
          local key = KEYS[k + nb + j]
          redis.call('HSET', key, 'w', s(starts[j]), 'n', s(used[j] + cost))
          redis.call('PEXPIRE', key, s(starts[j] + window - now_ms))
        end
        return {'A', s(now_ms)}
        """);

    /// <summary>
    /// Gives back what an admission took, when a later step in another cluster slot (a model's limits) refused.
    /// KEYS: buckets, then quotas. ARGV: cost, bucket count, quota count, each bucket's capacity, each quota's window
    /// start (ms) as the admission saw it.
    /// </summary>
    public static RedisScript Refund { get; } = new(Common + """
        local cost, nb, nq = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        for i = 1, nb do
          local t = redis.call('HGET', KEYS[i], 't')
          if t then redis.call('HSET', KEYS[i], 't', s(math.min(tonumber(ARGV[3 + i]), tonumber(t) + cost))) end
        end
        for j = 1, nq do
          local key = KEYS[nb + j]
          local state = redis.call('HMGET', key, 'w', 'n')
          if state[1] and state[2] and tonumber(state[1]) == tonumber(ARGV[3 + nb + j]) then
            redis.call('HSET', key, 'n', s(math.max(0, tonumber(state[2]) - cost)))
          end
        end
        return 1
        """);

    /// <summary>KEYS: ban. ARGV: reason, ttl ms. Replaces the ban; returns its expiry (server ms).</summary>
    public static RedisScript Ban { get; } = new(Common + """
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'r', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return s(math.floor(now_us() / 1000) + tonumber(ARGV[2]))
        """);

    /// <summary>KEYS: ban. Returns {reason, pttl} or nil.</summary>
    public static RedisScript GetBan { get; } = new("""
        local reason = redis.call('HGET', KEYS[1], 'r')
        if not reason then return false end
        return {reason, tostring(redis.call('PTTL', KEYS[1]))}
        """);

    /// <summary>KEYS: ban index. ARGV: client, expiry (server ms). Records a ban and drops expired ones.</summary>
    public static RedisScript IndexBan { get; } = new(Common + """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', s(math.floor(now_us() / 1000)))
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        return 1
        """);

    /// <summary>KEYS: ban index. ARGV: limit. Drops expired entries; returns up to limit clients still banned.</summary>
    public static RedisScript ListBans { get; } = new(Common + """
        local now_ms = s(math.floor(now_us() / 1000))
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
        return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now_ms, '+inf', 'LIMIT', 0, ARGV[1])
        """);

    /// <summary>
    /// KEYS: value. ARGV: '1' and the expected value, or '0' and anything (the key must not exist); then the new value.
    /// Returns 1 if it set (without expiry, as SET does), else 0. Lua strings hold bytes, so the comparison is byte for byte.
    /// </summary>
    public static RedisScript CompareAndSet { get; } = new("""
        local current = redis.call('GET', KEYS[1])
        if ARGV[1] == '1' then
          if current ~= ARGV[2] then return 0 end
        elseif current then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[3])
        return 1
        """);

    /// <summary>KEYS: value. ARGV: delta, ttl ms (0: none). INCRBY, and the ttl when the key has no expiry yet.</summary>
    public static RedisScript Increment { get; } = new("""
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        if ARGV[2] ~= '0' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return string.format('%d', value)
        """);
}
