package redistest

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RandomRevocations is the randomized "log out everywhere" run both
// stores' tests share: 8 workers, each with 4 clients, make 60 random
// operations each (login, renewal, request, logout, revocation of a user,
// expiry) on two app instances. The store's test supplies the operations;
// a client is an index, 0 to 31.
type RandomRevocations struct {
	Client redis.UniversalClient // to inspect Redis
	Prefix string                // the store's prefix: sessions at Prefix+token, indexes at Prefix+"user:"+user
	Seed   uint64

	Login  func(inst, client int, user string)
	Renew  func(inst, client int) // scs RenewToken, gorilla RegenerateID
	Put    func(inst, client, n int)
	Logout func(inst, client int)
	Revoke func(inst int, user string) error // DeleteUserSessions
	Token  func(client int) string           // the client's current token, "" for none
}

// RevocationCounts is what a RandomRevocations run found.
type RevocationCounts struct {
	Ops, Revocations int
	// Survivors are sessions of a user, under any token a client held
	// since a login completed before a revocation of that user began,
	// still alive after the run.
	Survivors int
	// Lost are live bound sessions without an index entry that covers
	// them.
	Lost int
}

// revocationClient is what a run remembers of one client.
type revocationClient struct {
	user    string
	loginAt time.Time       // when its current login completed
	tokens  map[string]bool // every token it held since
}

// revocationRun is one run's record: the clients, and when each completed
// revocation of a user began.
type revocationRun struct {
	clients []*revocationClient
	mu      sync.Mutex
	revoked map[string][]time.Time
	ops     atomic.Int64
}

// Run runs the operations, then counts survivors and lost entries, logs
// the counts and asserts both are zero.
func (r RandomRevocations) Run(t testing.TB) RevocationCounts {
	t.Helper()
	run := &revocationRun{clients: make([]*revocationClient, 32), revoked: map[string][]time.Time{}}
	for i := range run.clients {
		run.clients[i] = &revocationClient{tokens: map[string]bool{}}
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(t, run, w)
		}()
	}
	wg.Wait()
	time.Sleep(5 * time.Millisecond) // for the last expiries
	n := RevocationCounts{Ops: int(run.ops.Load()), Survivors: r.survivors(t, run), Lost: r.lost(t)}
	for _, times := range run.revoked {
		n.Revocations += len(times)
	}
	t.Logf("%d operations, %d revocations, %d survivors, %d lost entries", n.Ops, n.Revocations, n.Survivors, n.Lost)
	assert.Zero(t, n.Survivors, "survivors")
	assert.Zero(t, n.Lost, "lost entries")
	return n
}

// work is worker w's 60 random operations, on its own 4 clients (one
// client is used by one worker at a time).
func (r RandomRevocations) work(t testing.TB, run *revocationRun, w int) {
	users := []string{"ada", "bob", "cy"}
	rng := rand.New(rand.NewPCG(uint64(w), r.Seed))
	for i := 0; i < 60; i++ {
		ci := 4*w + rng.IntN(4)
		c := run.clients[ci]
		inst := rng.IntN(2)
		run.ops.Add(1)
		switch op := rng.IntN(10); {
		case op < 2:
			u := users[rng.IntN(len(users))]
			r.Login(inst, ci, u)
			c.user, c.loginAt, c.tokens = u, time.Now(), map[string]bool{}
		case op < 4:
			r.Renew(inst, ci)
		case op < 7:
			r.Put(inst, ci, i)
		case op < 8:
			r.Logout(inst, ci)
			c.user = ""
		case op < 9:
			u := users[rng.IntN(len(users))]
			began := time.Now()
			require.NoError(t, r.Revoke(inst, u))
			run.mu.Lock()
			run.revoked[u] = append(run.revoked[u], began)
			run.mu.Unlock()
		default: // the session expires
			if tok := r.Token(ci); tok != "" {
				r.Client.PExpire(context.Background(), r.Prefix+tok, time.Millisecond)
			}
		}
		if tok := r.Token(ci); tok != "" && c.user != "" {
			c.tokens[tok] = true
		}
	}
}

// survivors counts the sessions still bound to a user under a token a
// client held since a login that completed before a revocation of that
// user began.
func (r RandomRevocations) survivors(t testing.TB, run *revocationRun) int {
	n := 0
	for _, c := range run.clients {
		if c.user == "" {
			continue
		}
		for _, began := range run.revoked[c.user] {
			if !c.loginAt.Before(began) {
				continue // logged in after that revocation began: a new login
			}
			for tok := range c.tokens {
				if r.boundTo(t, tok) == c.user {
					n++
				}
			}
		}
	}
	return n
}

// lost counts the live bound sessions without an index entry that covers
// them.
func (r RandomRevocations) lost(t testing.TB) int {
	n := 0
	ctx := context.Background()
	for _, key := range Sessions(t, r.Client, r.Prefix) {
		tok := key[len(r.Prefix):]
		u := r.boundTo(t, tok)
		if u == "" {
			continue
		}
		score, err := r.Client.ZScore(ctx, r.Prefix+"user:"+u, tok).Result()
		at, _ := r.Client.Do(ctx, "pexpiretime", key).Int64()
		if err != nil || int64(score) < at {
			n++
		}
	}
	return n
}

// boundTo returns the user the live session with token is bound to ("" if
// it is not alive or not bound).
func (r RandomRevocations) boundTo(t testing.TB, token string) string {
	if !Live(t, r.Client, r.Prefix+token) {
		return ""
	}
	return r.Client.HGet(context.Background(), r.Prefix+token, "#user").Val()
}
