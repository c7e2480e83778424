-- wrk script of scripts/loadtest.sh: a signed-in staff user reading and recording attempts.
-- Environment: LOADTEST_DATA (data.lua from loadtest_helper.py prepare), LOADTEST_COOKIE,
-- LOADTEST_CSRF (from login), LOADTEST_RESULT (file written at the end), LOADTEST_THREADS,
-- LOADTEST_DURATION (seconds), LOADTEST_WRITE_EVERY (one write per this many requests).

local data = dofile(os.getenv("LOADTEST_DATA"))
local nthreads = tonumber(os.getenv("LOADTEST_THREADS"))
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  posts_sent = 0
  posts_ok = 0
  redirects_other = 0
  bad_status = 0
  ids = ""
  mycases = {}
  for i, case in ipairs(data.write_cases) do
    if (i - 1) % nthreads == tid - 1 then
      table.insert(mycases, case)
    end
  end
  next_case = 1
  write_every = tonumber(os.getenv("LOADTEST_WRITE_EVERY"))
  -- Writes stop 5 s before the end: every write sent is answered before wrk stops.
  stop_writes = os.time() + tonumber(os.getenv("LOADTEST_DURATION")) - 5
  local cookie = os.getenv("LOADTEST_COOKIE")
  get_headers = { ["Cookie"] = cookie }
  post_headers = {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  local csrf = os.getenv("LOADTEST_CSRF")
  body_tail = "&version=0&contact_at=" .. data.contact_at
    .. "&address=1+Load+Test+St&ecc_advised_at=" .. data.ecc_advised_at
    .. "&ecc_advised_by=Ofc.+Load&ecc_told_location=on&ecc_told_team=on"
    .. "&ecc_told_identity=on&deliverers=" .. data.deliverer .. "&outcome=not_located"
  body_head = "csrfmiddlewaretoken=" .. csrf
end

local function pick(list, i)
  return list[(i % #list) + 1]
end

function request()
  n = n + 1
  if n % write_every == 0 and next_case <= #mycases and os.time() < stop_writes then
    local case = mycases[next_case]
    next_case = next_case + 1
    posts_sent = posts_sent + 1
    return wrk.format("POST", "/deliveries/cases/" .. case .. "/attempts/new/", post_headers,
      body_head .. body_tail)
  end
  local k = n % 3
  local i = math.floor(n / 3) + tid * 7
  if k == 0 then
    return wrk.format("GET", "/candidates/?q=" .. pick(data.terms, i), get_headers)
  elseif k == 1 then
    return wrk.format("GET", "/candidates/" .. pick(data.candidates, i) .. "/", get_headers)
  end
  return wrk.format("GET", "/cases/" .. pick(data.read_cases, i) .. "/", get_headers)
end

function response(status, headers, body)
  if status == 302 then
    local id = string.match(headers["Location"] or "", "/deliveries/attempts/(%d+)/$")
    if id then
      posts_ok = posts_ok + 1
      ids = ids .. id .. ","
    else
      redirects_other = redirects_other + 1
    end
  elseif status ~= 200 then
    bad_status = bad_status + 1
  end
end

function done(summary, latency, requests)
  local f = io.open(os.getenv("LOADTEST_RESULT"), "w")
  local sent, ok, other, bad = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    sent = sent + t:get("posts_sent")
    ok = ok + t:get("posts_ok")
    other = other + t:get("redirects_other")
    bad = bad + t:get("bad_status")
    f:write("ids " .. t:get("ids") .. "\n")
  end
  f:write("requests " .. summary.requests .. "\n")
  f:write("duration_us " .. summary.duration .. "\n")
  f:write("connect " .. summary.errors.connect .. "\n")
  f:write("read " .. summary.errors.read .. "\n")
  f:write("write " .. summary.errors.write .. "\n")
  f:write("timeout " .. summary.errors.timeout .. "\n")
  -- wrk's own count of answers outside 2xx/3xx, plus ours: any status but 200 or a 302 to
  -- a new attempt (a 302 elsewhere means the session was lost: an error too).
  f:write("status " .. summary.errors.status .. "\n")
  f:write("bad_status " .. (other + bad - summary.errors.status) .. "\n")
  f:write("posts_sent " .. sent .. "\n")
  f:write("posts_ok " .. ok .. "\n")
  for _, p in ipairs({ 50, 75, 90, 99 }) do
    f:write("p" .. p .. " " .. latency:percentile(p) .. "\n")
  end
  f:write("max " .. latency.max .. "\n")
  f:close()
  io.write(string.format("writes sent %d, acknowledged %d; other redirects %d; bad status %d\n",
    sent, ok, other, bad))
end
