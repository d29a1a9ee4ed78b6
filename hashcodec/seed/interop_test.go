package seed_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/hashcodec/seed"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// The tests in this file run a real Tornado app (testdata/seedapp.py) that
// keeps its sessions as the seed does, with redis-py, against a
// redis-server the test starts. They need python3 with tornado and redis
// (Debian: python3-tornado python3-redis) and skip without them, unless
// PYTHON_REQUIRED=1, which makes that a failure. $PYTHON names the
// interpreter; otherwise python3 on PATH and /usr/bin/python3 are tried.

// seedExpire is the seed's session-expire in these tests.
const seedExpire = 20 * time.Minute

func seedPython(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if p := os.Getenv("PYTHON"); p != "" {
		candidates = []string{p}
	}
	var tried []string
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", c, err))
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, path, "-c", "import tornado.web, redis").CombinedOutput()
		cancel()
		if err == nil {
			return path
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", path, err, bytes.TrimSpace(out)))
	}
	msg := "no python3 with tornado and redis-py (apt-get install python3-tornado python3-redis): " + strings.Join(tried, "; ")
	if os.Getenv("PYTHON_REQUIRED") == "1" {
		t.Fatal("PYTHON_REQUIRED=1 but " + msg)
	}
	t.Skip(msg + "; set PYTHON_REQUIRED=1 to make this a failure")
	return ""
}

// syncBuffer collects a process's stderr while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// seedApp is a running testdata/seedapp.py.
type seedApp struct {
	URL     string
	Version string // "tornado 6.2 redis-py 4.3.4"
	Prefix  string
	client  *http.Client
}

// startSeedApp starts the Tornado app on a free port of its choosing and
// returns once it has said it serves; it is stopped when t ends.
func startSeedApp(t *testing.T, py string, client *http.Client, redisPort, prefix string) *seedApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, py, "testdata/seedapp.py", "--redis-port", redisPort, "--secret", secret,
		"--prefix", prefix, "--expire", strconv.Itoa(int(seedExpire/time.Second)))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe() // the app exits when this closes, even if the test binary is killed
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		cancel()
		_ = cmd.Wait()
	})

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			ready <- sc.Text()
		}
		close(ready)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(time.Minute):
		t.Fatalf("seedapp.py did not start within a minute; stderr:\n%s", stderr.String())
	}
	var port int
	var version string
	if rest, ok := strings.CutPrefix(line, "READY "); ok {
		p, v, _ := strings.Cut(rest, " ")
		port, _ = strconv.Atoi(p)
		version = v
	}
	if port == 0 {
		t.Fatalf("seedapp.py said %q instead of READY; stderr:\n%s", line, stderr.String())
	}
	t.Logf("seedapp.py: %s", version)
	return &seedApp{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Version: version, Prefix: prefix, client: client}
}

// get fetches path from the app and decodes its JSON reply into v.
func (a *seedApp) get(t *testing.T, path string, query url.Values, v any) int {
	t.Helper()
	u := a.URL + path
	if query != nil {
		u += "?" + query.Encode()
	}
	resp, err := a.client.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if v != nil {
		require.NoError(t, json.Unmarshal(body, v), "%s: %s", u, body)
	}
	return resp.StatusCode
}

// accessors is what the seed's accessors return for one field, as Python
// reprs ("raises UnicodeDecodeError" where one raises).
type accessors struct {
	Raw, None, Str, Int, Bool, JSON string
}

func (a *accessors) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*a = accessors{m["raw"], m["none"], m["str"], m["int"], m["bool"], m["json"]}
	return nil
}

type sessionReport struct {
	ID     string
	TTLms  int64 `json:"ttl_ms"`
	Fields map[string]accessors
}

// goRead is what the Go handler read from the seed's session.
type goRead struct {
	Err       string
	ID        string
	Name      string
	Greeting  string
	Count     int
	Padded    int
	Separated int
	Flag, Off bool
	Roles     []string
	Age       int
	BigErr    string
	Big       int64
	Ratio     float64
	Missing   bool
	Counted   int64
	WriteErr  string
}

// goHandler is a Go handler served beside the Tornado app: it finds the
// seed's session from the seed's cookie, reads it the seed's way and
// writes a bool, an int and a string back.
func goHandler(s *seed.Sessions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out goRead
		defer func() { _ = json.NewEncoder(w).Encode(out) }()
		h, err := s.Hash(r)
		if err != nil {
			out.Err = err.Error()
			return
		}
		out.ID, _ = s.ID(r)
		ctx := r.Context()
		fields, err := h.GetMulti(ctx, "name", "greeting", "count", "padded", "separated", "flag", "off",
			"profile", "big", "ratio", "missing")
		if err != nil {
			out.Err = err.Error()
			return
		}
		out.Name, out.Greeting = fields[0].String(), fields[1].String()
		out.Count, out.Padded, out.Separated = fields[2].Int(), fields[3].Int(), fields[4].Int()
		out.Flag, out.Off = fields[5].Bool(), fields[6].Bool()
		var profile struct {
			Roles []string
			Age   int
		}
		if err := fields[7].JSON(&profile); err != nil {
			out.Err = err.Error()
		}
		out.Roles, out.Age = profile.Roles, profile.Age
		_, bigErr := fields[8].Int64E()
		if errors.Is(bigErr, hashcodec.ErrOutOfRange) {
			out.BigErr = "out of range"
		}
		out.Big = fields[8].Int64()
		out.Ratio = fields[9].Float64()
		out.Missing = fields[10].IsNil() && fields[10].Err() == nil

		if err := h.SetMulti(ctx, map[string]any{"go_true": true, "go_false": false, "go_int": 7, "go_str": "héllo, Python"}); err != nil {
			out.WriteErr = err.Error()
			return
		}
		if out.Counted, err = h.Incr(ctx, "count", 1); err != nil {
			out.WriteErr = err.Error()
		}
	})
}

func newJarClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// One browser, one Tornado app using the seed and one Go handler on the
// same host: the Go handler finds the session from the seed's cookie,
// reads it as the seed does, and the seed reads what Go wrote.
func TestTornadoSessionIsSharedWithGo(t *testing.T) {
	py := seedPython(t)
	srv := redistest.SharedServer(t)
	rdb := srv.Client()
	t.Cleanup(func() { _ = rdb.Close() })
	browser := newJarClient(t)
	app := startSeedApp(t, py, browser, srv.Port(), redistest.UniquePrefix()+"redis")

	for _, tc := range []struct {
		kind     string
		sessions *seed.Sessions
	}{
		{"signed", &seed.Sessions{Client: rdb, Prefix: app.Prefix, Secret: []byte(secret), Expire: seedExpire}},
		{"raw", &seed.Sessions{Client: rdb, Prefix: app.Prefix, CookieName: "session-raw", Unsigned: true, Expire: seedExpire}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			goApp := httptest.NewServer(goHandler(tc.sessions)) // 127.0.0.1 too: the browser sends it the same cookies
			t.Cleanup(goApp.Close)
			kind := url.Values{"kind": {tc.kind}}

			var login struct{ ID, Key string }
			require.Equal(t, http.StatusOK, app.get(t, "/login", kind, &login))
			require.True(t, seed.ValidID(login.ID), login.ID)
			assert.Equal(t, tc.sessions.Key(login.ID), login.Key)
			stored := rdb.HGetAll(ctx, login.Key).Val()
			assert.Equal(t, map[string]string{
				"name": "stefan", "greeting": "Grüße", "count": "42", "padded": " 42 ", "separated": "4_2",
				"flag": "True", "off": "False", "profile": `{"roles": ["admin"], "age": 36}`,
				"big": "99999999999999999999", "ratio": "1.5",
			}, stored, "what the seed stores")
			redistest.RequireTTL(t, rdb, login.Key, seedExpire)
			require.NoError(t, rdb.Expire(ctx, login.Key, time.Minute).Err())

			resp, err := browser.Get(goApp.URL)
			require.NoError(t, err)
			var got goRead
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
			resp.Body.Close()
			require.Empty(t, got.Err)
			assert.Equal(t, goRead{
				ID: login.ID, Name: "stefan", Greeting: "Grüße", Count: 42, Padded: 42, Separated: 42,
				Flag: true, Off: false, Roles: []string{"admin"}, Age: 36, BigErr: "out of range", Big: 0,
				Ratio: 1.5, Missing: true, Counted: 43,
			}, got)
			redistest.RequireTTL(t, rdb, login.Key, seedExpire) // Go's writes slide like the seed's EXPIRE

			var seen sessionReport
			require.Equal(t, http.StatusOK, app.get(t, "/session", kind, &seen))
			assert.Equal(t, login.ID, seen.ID)
			f := seen.Fields
			assert.Equal(t, accessors{"b'7'", "False", "'7'", "7", "False", "7"}, f["go_int"])
			assert.Equal(t, accessors{`b'h\xc3\xa9llo, Python'`, "False", "'héllo, Python'", "0", "False", "{}"}, f["go_str"])
			assert.Equal(t, accessors{"b'43'", "False", "'43'", "43", "False", "43"}, f["count"])
			assert.Equal(t, accessors{"None", "True", "''", "0", "False", "{}"}, f["missing"])
			assert.NotContains(t, f, "#t:go_int", "Go records no types in the seed's hash")

			// Go must write bools so that the seed's .bool reads them.
			t.Run("bools spelled as Python", func(t *testing.T) {
				assert.Equal(t, accessors{"b'True'", "False", "'True'", "0", "True", "{}"}, f["go_true"])
				assert.Equal(t, accessors{"b'False'", "False", "'False'", "0", "False", "{}"}, f["go_false"])
			})
		})
	}
}

// Cookies are checked against Tornado itself: what Tornado signs Go reads
// (unless too old, signed for another name, or version 1), what Go signs
// Tornado reads, and Go never accepts what Tornado refuses.
func TestCookiesAgreeWithTornado(t *testing.T) {
	py := seedPython(t)
	srv := redistest.SharedServer(t)
	app := startSeedApp(t, py, newJarClient(t), srv.Port(), redistest.UniquePrefix()+"redis")
	now := time.Now()

	tornadoSign := func(name, value string, at time.Time, version int) string {
		var out struct{ Signed string }
		require.Equal(t, http.StatusOK, app.get(t, "/sign", url.Values{
			"name": {name}, "value": {value}, "unix": {strconv.FormatInt(at.Unix(), 10)}, "version": {strconv.Itoa(version)},
		}, &out))
		return out.Signed
	}
	tornadoReads := func(name, value string) (string, bool) {
		var out struct{ Value *string }
		require.Equal(t, http.StatusOK, app.get(t, "/verify", url.Values{"name": {name}, "value": {value}}, &out))
		if out.Value == nil {
			return "", false
		}
		return *out.Value, true
	}

	t.Run("Tornado signs, Go reads", func(t *testing.T) {
		v := tornadoSign("session-id", id, now.Add(-time.Hour), 2)
		got, err := seed.VerifyTornadoCookie(key, "session-id", v, 0, now)
		require.NoError(t, err)
		assert.Equal(t, id, got)
		mine, err := seed.SignTornadoCookie(key, "session-id", id, now.Add(-time.Hour))
		require.NoError(t, err)
		assert.Equal(t, v, mine, "byte for byte what Tornado writes")
	})
	t.Run("Go signs, Tornado reads", func(t *testing.T) {
		for _, value := range []string{id, "a", "", "x|y:z", "Grüße"} {
			v, err := seed.SignTornadoCookie(key, "session-id", value, now)
			require.NoError(t, err)
			got, ok := tornadoReads("session-id", v)
			assert.True(t, ok, "%q", value)
			assert.Equal(t, value, got)
		}
	})

	b64 := "MGQ5YjJjN2UtN2ExZS00YzFiLTlhNTUtM2YxYzJkNGU1ZjYwYzNiMWEyZDQtNWU2Zi00YTdiLThjOWQtMGUxZjJhM2I0YzVk"
	ts := strconv.FormatInt(now.Unix(), 10)
	old := tornadoSign("session-id", id, now.Add(-32*24*time.Hour), 2)
	cases := []struct {
		name      string
		value     string
		tornadoOK bool  // what Tornado's get_secure_cookie does
		goErr     error // nil: Go accepts it too
	}{
		{"fresh", tornadoSign("session-id", id, now, 2), true, nil},
		{"32 days old", old, false, seed.ErrExpired},
		{"signed for another cookie", tornadoSign("user", id, now, 2), false, seed.ErrName},
		{"version 1", tornadoSign("session-id", id, now, 1), true, seed.ErrVersion},
		{"an hour ahead", tornadoSign("session-id", id, now.Add(time.Hour), 2), true, seed.ErrFuture},
		{"tampered signature", flipLast(tornadoSign("session-id", id, now, 2)), false, seed.ErrSignature},
		{"length with a sign", resign("2|1:0|+10:" + ts + "|10:session-id|96:" + b64 + "|"), true, seed.ErrMalformed},
		{"length with a space", resign("2|1:0| 10:" + ts + "|10:session-id|96:" + b64 + "|"), true, seed.ErrMalformed},
		{"length with a zero", resign("2|1:0|010:" + ts + "|10:session-id|96:" + b64 + "|"), true, seed.ErrMalformed},
		{"key version with a zero", resign("2|2:00|10:" + ts + "|10:session-id|96:" + b64 + "|"), true, seed.ErrMalformed},
		{"base64 with junk", resign("2|1:0|10:" + ts + "|10:session-id|97:" + b64 + "*|"), true, seed.ErrMalformed},
		{"uppercase signature", upperSig(tornadoSign("session-id", id, now, 2)), false, seed.ErrMalformed},
		{"raw ID", id, false, seed.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ok := tornadoReads("session-id", tc.value)
			assert.Equal(t, tc.tornadoOK, ok, "Tornado")
			got, err := seed.VerifyTornadoCookie(key, "session-id", tc.value, 0, now)
			if tc.goErr == nil {
				require.NoError(t, err)
				assert.Equal(t, id, got)
				return
			}
			assert.ErrorIs(t, err, tc.goErr)
			assert.ErrorIs(t, err, seed.ErrInvalidCookie)
		})
	}
}

// flipLast changes the last hex digit of v's signature.
func flipLast(v string) string {
	last := byte('0')
	if v[len(v)-1] == '0' {
		last = '1'
	}
	return v[:len(v)-1] + string(last)
}

// upperSig returns v with its signature in uppercase hex.
func upperSig(v string) string {
	i := strings.LastIndexByte(v, '|') + 1
	return v[:i] + strings.ToUpper(v[i:])
}
