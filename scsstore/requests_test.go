package scsstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

func (r *requestState) sizes() (requests, created int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests), len(r.created)
}

func (r *requestState) keysOf(ctx context.Context) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.requests[ctx.Done()]; e != nil {
		return len(e.byKey)
	}
	return 0
}

type requestKey struct{}

func snapAt(key, tag string) *sessionhash.Snapshot {
	return &sessionhash.Snapshot{Key: key, Meta: map[string]string{"tag": tag}}
}

func TestRequestStateFollowsTheRequest(t *testing.T) {
	var r requestState
	req, cancel := context.WithCancel(context.Background())
	r.loaded(req, snapAt("k", "load"))
	derived := context.WithValue(req, requestKey{}, 1) // scs's context, a router's
	assert.Equal(t, "load", r.get(derived, "k", nil).Meta["tag"], "contexts derived from the request share its state")
	assert.Nil(t, r.get(derived, "other", nil), "only for the key it saw")
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	assert.Nil(t, r.get(other, "k", nil), "only for that request")

	r.wrote(derived, snapAt("k", "commit"), false)
	assert.Equal(t, "commit", r.get(req, "k", snapAt("k", "values")).Meta["tag"],
		"what the request wrote last wins over what its values carry")
	assert.Equal(t, "values", r.get(other, "k", snapAt("k", "values")).Meta["tag"])

	cancel()
	assert.Eventually(t, func() bool { n, _ := r.sizes(); return n == 0 }, time.Second, time.Millisecond, "dropped when the request ends")

	r.loaded(context.Background(), snapAt("k", "load"))
	r.wrote(context.Background(), snapAt("k", "commit"), false)
	n, created := r.sizes()
	assert.Zero(t, n+created, "nothing is remembered for contexts shared by many requests")
}

func TestRequestStateRemembersCreatedSessionsBriefly(t *testing.T) {
	var r requestState
	r.wrote(context.Background(), snapAt("new", "create"), true)
	assert.Equal(t, "create", r.get(context.Background(), "new", nil).Meta["tag"], "found under any context")
	assert.Equal(t, "values", r.get(context.Background(), "new", snapAt("new", "values")).Meta["tag"],
		"but only for commits whose values carry nothing")

	r.wrote(context.Background(), snapAt("new", "second"), false)
	assert.Equal(t, "second", r.get(context.Background(), "new", nil).Meta["tag"], "follows later commits")
	r.wrote(context.Background(), snapAt("loaded", "commit"), false)
	assert.Nil(t, r.get(context.Background(), "loaded", nil), "sessions it did not create are not remembered")

	r.mu.Lock()
	e := r.created["new"]
	e.at = time.Now().Add(-createdFor)
	r.created["new"] = e
	r.mu.Unlock()
	assert.Nil(t, r.get(context.Background(), "new", nil), "forgotten after createdFor")
	r.wrote(context.Background(), snapAt("new", "late"), false)
	assert.Nil(t, r.get(context.Background(), "new", nil), "and not brought back by a later commit")

	for i := range maxCreated + 10 {
		r.wrote(context.Background(), snapAt(fmt.Sprint(i), "create"), true)
	}
	_, created := r.sizes()
	assert.Equal(t, maxCreated, created, "bounded")
}

func TestRequestStateIsBounded(t *testing.T) {
	var r requestState
	job, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 * maxKeysPerRequest {
		r.loaded(job, snapAt(fmt.Sprint(i), "load"))
	}
	assert.Equal(t, maxKeysPerRequest, r.keysOf(job), "a long-lived context keeps its last keys only")
	assert.NotNil(t, r.get(job, fmt.Sprint(3*maxKeysPerRequest-1), nil))
	assert.Nil(t, r.get(job, "0", nil))

	var cancels []context.CancelFunc
	for range maxRequests + 10 {
		req, cancel := context.WithCancel(context.Background())
		cancels = append(cancels, cancel)
		r.loaded(req, snapAt("k", "load"))
	}
	n, _ := r.sizes()
	assert.Equal(t, maxRequests, n, "requests that have not ended yet are bounded")
	for _, cancel := range cancels {
		cancel()
	}
	assert.Eventually(t, func() bool { n, _ := r.sizes(); return n == 0 }, 5*time.Second, time.Millisecond)
}

// A job that loads and commits many sessions under one long-lived context
// (a worker's, signal.NotifyContext) keeps a bounded state, and scs's
// Iterate (one context per session, none ending) keeps none.
func TestRequestStateOfJobs(t *testing.T) {
	store := New(redistest.MiniClient(t))
	sm := scs.New()
	sm.Store = store
	job, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 100 {
		ctx, err := sm.Load(job, "")
		require.NoError(t, err)
		sm.Put(ctx, "n", i)
		_, _, err = sm.Commit(ctx)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, store.requests.keysOf(job), maxKeysPerRequest)

	cancel()
	assert.Eventually(t, func() bool { n, _ := store.requests.sizes(); return n == 0 }, time.Second, time.Millisecond)
	seen := 0
	require.NoError(t, sm.Iterate(context.Background(), func(ctx context.Context) error {
		seen++
		sm.Put(ctx, "seen", true)
		_, _, err := sm.Commit(ctx)
		return err
	}))
	assert.Equal(t, 100, seen)
	n, _ := store.requests.sizes()
	assert.Zero(t, n)
}
