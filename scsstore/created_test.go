package scsstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

func (c *createdInRequest) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

type requestKey struct{}

func TestCreatedInRequestForgetsFinishedRequests(t *testing.T) {
	var c createdInRequest
	ctx, cancel := context.WithCancel(context.Background())
	c.remember(ctx, &sessionhash.Snapshot{Key: "k"})
	assert.NotNil(t, c.lookup(ctx, "k"))
	assert.Nil(t, c.lookup(ctx, "other"), "only for the key it wrote")
	assert.Nil(t, c.lookup(context.Background(), "k"), "only for that request")
	cancel()
	assert.Eventually(t, func() bool { return c.size() == 0 }, time.Second, time.Millisecond)

	for i := 0; i < maxUndyingContexts+10; i++ {
		c.remember(context.WithValue(context.Background(), requestKey{}, i), &sessionhash.Snapshot{Key: "k"})
	}
	assert.Equal(t, maxUndyingContexts, c.size(), "contexts that never end are bounded")
}
