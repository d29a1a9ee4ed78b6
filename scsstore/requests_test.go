package scsstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

func (r *requestState) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

type requestKey struct{}

func TestRequestStateFollowsTheRequest(t *testing.T) {
	var r requestState
	req, cancel := context.WithCancel(context.Background())
	r.loaded(req, &sessionhash.Snapshot{Key: "k"})
	derived := context.WithValue(req, requestKey{}, 1) // scs's context, a router's
	assert.NotNil(t, r.get(derived, "k"), "contexts derived from the request share its state")
	assert.Nil(t, r.get(derived, "other"), "only for the key it saw")
	assert.Nil(t, r.get(context.Background(), "k"), "only for that request")
	cancel()
	assert.Eventually(t, func() bool { return r.size() == 0 }, time.Second, time.Millisecond, "dropped when the request ends")

	r.loaded(context.Background(), &sessionhash.Snapshot{Key: "k"})
	assert.Zero(t, r.size(), "loads are not remembered for contexts shared by many requests")
	for i := 0; i < maxUndyingContexts+10; i++ {
		r.wrote(context.WithValue(context.Background(), requestKey{}, i), &sessionhash.Snapshot{Key: "k"})
	}
	assert.Equal(t, maxUndyingContexts, r.size(), "writes under contexts that never end are bounded")
}
