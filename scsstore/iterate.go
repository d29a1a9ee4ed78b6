package scsstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// All implements scs.IterableStore; see AllCtx.
func (s *Store) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx implements scs.IterableCtxStore: every live session under the
// store's prefix, by token. It walks the keyspace with SCAN (never KEYS) on
// every master of a Cluster, loads each batch in one pipeline, does not
// extend any session's TTL, and skips keys that are not sessions of this
// store (tombstones included) and sessions whose stored data does not
// decode, so that one corrupt session cannot make Iterate fail for all.
// With no sessions it returns an empty, non-nil map.
//
// Each session comes with its own state, so an Iterate callback that
// changes a session and calls Commit writes a delta against what the
// listing read: it keeps what requests changed since, whether the
// callback runs inside a request, in a background job, or in several
// workers sharing one context.
//
// scs's Iterate uses this. Under HashTokenInStore, Iterate hands the stored
// hash to the callback as the token, so sessionManager.Destroy inside the
// callback hashes it again and deletes nothing; call store.DeleteCtx(ctx,
// sessionManager.Token(ctx)) there instead. (A Put inside the callback is
// committed to the right session by this store.)
func (s *Store) AllCtx(ctx context.Context) (map[string][]byte, error) {
	if s.configErr != nil {
		return nil, s.configErr
	}
	var mu sync.Mutex
	out := make(map[string][]byte)
	err := sessionhash.ScanRecords(ctx, s.client, s.prefix, s.scanCount, func(recs []*sessionhash.Record) error {
		for _, rec := range recs {
			token := strings.TrimPrefix(rec.Key, s.prefix)
			if !s.validToken(token) {
				continue
			}
			if isFastCodec(s.codec) && checkEntries(rec.Entries, true) != nil {
				continue // a session that does not decode is left out, not fatal
			}
			b, err := s.blob(rec)
			if err != nil {
				continue
			}
			mu.Lock()
			out[token] = b
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scsstore: all: %w", err)
	}
	return out, nil
}
