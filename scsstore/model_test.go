package scsstore_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// modelOps is how many random operations each run of TestRandomOperations
// makes (on every backend, codec and deployment: 27 runs).
const modelOps = 300

// modelTotals adds up the runs of TestRandomOperations.
var modelTotals struct{ ops, checks, violations atomic.Int64 }

// TestRandomOperations drives two instances and a few browsers and users
// through random operations (put, remove, clear, manual commit, renewal,
// destroy, merge, Iterate from a job context shared by two workers, log out
// everywhere, parallel requests of one cookie changing different keys), in
// every deployment (direct, behind http.TimeoutHandler, a client that
// cancels before the commit), on miniredis, Redis and the Cluster, with
// every codec. After each step it checks, against a model of what every
// commit wrote, that no deleted session is readable again and that every
// value a commit wrote is stored, unless a later commit changed or removed
// it or the session ended. The seed is fixed: the same operations on every
// run.
func TestRandomOperations(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		m := newModel(f)
		rng := rand.New(rand.NewPCG(7, uint64(len(t.Name()))))
		for i := 0; i < modelOps; i++ {
			m.step(rng, i)
			m.check()
		}
		modelTotals.ops.Add(int64(m.ops))
		modelTotals.checks.Add(int64(m.checks))
		modelTotals.violations.Add(int64(len(m.violations)))
		t.Logf("%d operations, %d checks, %d violations", m.ops, m.checks, len(m.violations))
		assert.Empty(t, m.violations)
	}, scsstore.WithUserKey("user"))
	t.Logf("all runs: %d operations, %d checks, %d violations",
		modelTotals.ops.Load(), modelTotals.checks.Load(), modelTotals.violations.Load())
}

// model is what the sessions must hold: per browser, the values its
// session was committed with, and every token that was deleted.
type model struct {
	f          *fleet
	browsers   []*modelBrowser
	users      []string
	dead       map[string]string // token -> the operation that ended it
	ops        int
	checks     int
	violations []string
}

type modelBrowser struct {
	br     *browser
	values map[string]string // nil: no session
}

func newModel(f *fleet) *model {
	m := &model{f: f, users: []string{"ada", "bob"}, dead: map[string]string{}}
	for range 4 {
		m.browsers = append(m.browsers, &modelBrowser{br: &browser{}})
	}
	f.handle("/remove", func(in *instance, w http.ResponseWriter, r *http.Request) {
		in.sm.Remove(r.Context(), r.URL.Query().Get("k"))
	})
	f.handle("/clear", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.Clear(r.Context()))
	})
	f.handle("/commit-then", func(in *instance, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		in.sm.Put(r.Context(), q.Get("k1"), q.Get("v1"))
		_, _, err := in.sm.Commit(r.Context())
		require.NoError(f.t, err)
		in.sm.Put(r.Context(), q.Get("k2"), q.Get("v2"))
	})
	f.handle("/renew", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.RenewToken(r.Context()))
	})
	f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "user", r.URL.Query().Get("u"))
	})
	f.handle("/merge", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.MergeSession(r.Context(), r.URL.Query().Get("from")))
	})
	return m
}

// step runs one random operation and updates the model.
func (m *model) step(rng *rand.Rand, i int) {
	m.ops++
	b := m.browsers[rng.IntN(len(m.browsers))]
	inst := rng.IntN(2)
	key := "k" + strconv.Itoa(rng.IntN(4))
	val := "v" + strconv.Itoa(i)
	before := b.br.token()
	if before != "" && m.dead[before] != "" {
		b.values = nil // the cookie names an ended session: scs starts a new one
	}
	switch op := rng.IntN(20); {
	case op < 6:
		m.f.do(inst, b.br, "/put?"+key+"="+val)
		b.set(key, val)
	case op < 8:
		m.f.do(inst, b.br, "/remove?k="+key)
		if b.values != nil {
			delete(b.values, key)
		}
	case op < 9:
		m.f.do(inst, b.br, "/clear")
		if b.values != nil {
			clear(b.values)
		}
	case op < 11:
		k2 := "k" + strconv.Itoa(rng.IntN(4))
		m.f.do(inst, b.br, "/commit-then?k1="+key+"&v1="+val+"&k2="+k2+"&v2="+val+"b")
		b.set(key, val)
		b.set(k2, val+"b")
	case op < 12:
		m.f.do(inst, b.br, "/renew")
		if b.values == nil {
			b.values = map[string]string{} // a renewal commits even an empty session
		}
		m.ended(before, b.br.token(), "renewed")
	case op < 13:
		u := m.users[rng.IntN(len(m.users))]
		m.f.do(inst, b.br, "/login?u="+u)
		b.set("user", u)
		m.ended(before, b.br.token(), "renewed at login")
	case op < 14:
		m.f.do(inst, b.br, "/destroy")
		m.ended(before, "", "destroyed")
		b.values = nil
	case op < 15:
		from := m.browsers[rng.IntN(len(m.browsers))]
		if from == b || from.values == nil || from.br.token() == "" || b.values == nil {
			m.f.do(inst, b.br, "/put?"+key+"="+val)
			b.set(key, val)
			return
		}
		m.f.do(inst, b.br, "/merge?from="+from.br.token())
		maps.Copy(b.values, from.values)
		m.ended(from.br.token(), "", "merged into another session")
		from.values = nil
	case op < 16:
		m.iterate(inst, "flag", val)
	case op < 17:
		u := m.users[rng.IntN(len(m.users))]
		_, err := m.f.inst[inst].store.DeleteUserSessions(context.Background(), u, "")
		require.NoError(m.f.t, err)
		for _, o := range m.browsers {
			if o.values != nil && o.values["user"] == u {
				m.ended(o.br.token(), "", "logged out everywhere")
				o.values = nil
			}
		}
	default: // two tabs of one cookie at once, on both instances
		if b.values == nil || b.br.token() == "" {
			m.f.do(inst, b.br, "/put?"+key+"="+val)
			b.set(key, val)
			return
		}
		var wg sync.WaitGroup
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.f.do(j, cookieOnly(b.br), fmt.Sprintf("/put?tab%d=%s", j, val))
			}()
		}
		wg.Wait()
		b.set("tab0", val)
		b.set("tab1", val)
	}
}

// iterate runs two workers of one background job, sharing its context:
// each flags every session with its own key.
func (m *model) iterate(inst int, key, val string) {
	job, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for j := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sm := m.f.inst[(inst+j)%2].sm
			require.NoError(m.f.t, sm.Iterate(job, func(ctx context.Context) error {
				sm.Put(ctx, key+strconv.Itoa(j), val)
				_, _, err := sm.Commit(ctx)
				return err
			}))
		}()
	}
	wg.Wait()
	for _, b := range m.browsers {
		if b.values != nil {
			b.values[key+"0"], b.values[key+"1"] = val, val
		}
	}
}

func (b *modelBrowser) set(k, v string) {
	if b.values == nil {
		b.values = map[string]string{}
	}
	b.values[k] = v
}

// ended records that token's session ended (unless it lives on as now,
// the same token).
func (m *model) ended(token, now, why string) {
	if token != "" && token != now {
		m.dead[token] = why
	}
}

// check compares Redis with the model.
func (m *model) check() {
	for tok, why := range m.dead {
		m.checks++
		if redistest.Live(m.f.t, m.f.b.Client, m.f.key(tok)) {
			m.violations = append(m.violations, fmt.Sprintf("op %d: a session %s is readable again", m.ops, why))
		}
	}
	for i, b := range m.browsers {
		if b.values == nil {
			continue
		}
		m.checks++
		tok := b.br.token()
		stored := userValues(m.f.b.Client.HGetAll(context.Background(), m.f.key(tok)).Val())
		if tok == "" || !maps.Equal(stored, b.values) {
			m.violations = append(m.violations, fmt.Sprintf("op %d: browser %d holds %v, its commits wrote %v", m.ops, i, stored, b.values))
		}
	}
}

// userValues leaves out a session hash's metadata and type fields.
func userValues(h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}
