package scsstore_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/token"
	"github.com/redis-session/redis-session-go/scsstore"
)

const fuzzToken = "4xv2Yw7Q1n9Jk3t0Hq8uVb6ZcRm5Ls2Pa1Ed7Gf0WiA"

// FuzzFindStoredHash writes arbitrary hash contents (user fields, type
// fields and hand-made metadata) under a valid token and loads them: Find
// must return an error or a blob both codecs decode, never panic.
func FuzzFindStoredHash(f *testing.F) {
	c := redistest.MiniClient(f)
	stores := []*scsstore.Store{scsstore.New(c), scsstore.New(c, scsstore.WithCodec(scsstore.Codec{}))}
	f.Add("count", "42", "int", "9999999999999999999", "1800000000000", "#k:int:1", "x")
	f.Add("##x", "\x00\xff", "gob", "abc", "-5", "#t:", "")
	f.Add("", "", "nosuch", "0", "", "#user", "u")
	f.Fuzz(func(t *testing.T, field, value, typ, deadline, idle, field2, value2 string) {
		key := scsstore.DefaultPrefix + fuzzToken
		c.Del(ctx, key)
		args := []any{"#created", "1", "#deadline", deadline, "#idle", idle, field, value, field2, value2}
		if typ != "" {
			args = append(args, "#t:"+field, typ)
		}
		if err := c.HSet(ctx, key, args...).Err(); err != nil {
			return
		}
		c.Expire(ctx, key, time.Hour)
		for _, s := range stores {
			blob, found, err := s.FindCtx(ctx, fuzzToken)
			if err != nil || !found {
				continue
			}
			_, _, err = s.Codec().Decode(blob)
			var fe *hashcodec.FieldError
			if err != nil && !(errors.Is(err, hashcodec.ErrCorrupt) && errors.As(err, &fe) && typ == "gob") {
				t.Fatalf("Find returned a blob its codec cannot decode: %v", err)
			}
		}
	})
}

// Corrupt or hostile data written by hand gets a clear error naming what
// is wrong, or reads as no session; it never panics and never shows
// another session's data.
func TestHostileStoredData(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		good := &browser{}
		a.do(good, "/put?name=ada")
		later := time.Now().Add(time.Hour).UnixMilli()
		cases := []struct {
			name   string
			fields []any
			err    error // the error Find must give, or nil
			found  bool
		}{
			{"no metadata", []any{"name", "x"}, nil, false},
			{"deadline not a number", []any{"#created", "1", "#deadline", "soon", "name", "x"}, hashcodec.ErrCorrupt, false},
			{"deadline passed", []any{"#created", "1", "#deadline", time.Now().Add(-time.Hour).UnixMilli(), "name", "x"}, nil, false},
			{"deadline after the year 9999", []any{"#created", "1", "#deadline", "9999999999999999999", "name", "x"}, hashcodec.ErrCorrupt, false},
			{"a tombstone", nil, nil, false},
			{"idle not a number: no sliding", []any{"#created", "1", "#deadline", later, "#idle", "x", "name", "x"}, nil, true},
			{"unknown type", []any{"#created", "1", "#deadline", later, "n", "1", "#t:n", "int128"}, hashcodec.ErrCorrupt, false},
			{"gob garbage", []any{"#created", "1", "#deadline", later, "n", "\x07junk", "#t:n", "gob"}, hashcodec.ErrCorrupt, false},
			{"non-string key in scs", []any{"#created", "1", "#deadline", later, "#k:int:1", "2"}, hashcodec.ErrCorrupt, false},
		}
		for _, tc := range cases {
			tok := token.New()
			if tc.fields == nil {
				require.NoError(t, a.store.DeleteCtx(ctx, tok))
			} else {
				require.NoError(t, b.Client.HSet(ctx, a.key(tok), tc.fields...).Err())
			}
			require.NoError(t, b.Client.Expire(ctx, a.key(tok), time.Hour).Err())
			blob, found, err := a.store.FindCtx(ctx, tok)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err, tc.name)
			} else {
				assert.NoError(t, err, tc.name)
			}
			assert.Equal(t, tc.found, found, tc.name)
			if found {
				_, values, err := a.store.Codec().Decode(blob)
				require.NoError(t, err, tc.name)
				assert.Equal(t, "x", values["name"], tc.name)
			}
		}
		body, _ := a.do(good, "/get?k=name")
		assert.Equal(t, "ada", body, "other sessions are unaffected")
	})
}

// NUL bytes, the reserved prefix and binary data in keys and values round
// trip; huge numbers of values hit the limit before anything is written.
func TestOddKeysAndValuesAndHugeSessions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		odd := map[string]string{"a\x00b": "c\x00d", "#created": "mine", "##": "\xff\xfe", "": "empty key", "#t:x": "not a type"}
		a.handle("/odd", func(w http.ResponseWriter, r *http.Request) {
			for k, v := range odd {
				a.sm.Put(r.Context(), k, v)
			}
		})
		a.handle("/check", func(w http.ResponseWriter, r *http.Request) {
			for k, v := range odd {
				assert.Equal(t, v, a.sm.GetString(r.Context(), k), "%q", k)
			}
		})
		a.handle("/huge", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < hashcodec.DefaultLimits.Fields+1; i++ {
				a.sm.Put(r.Context(), "k"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), i)
			}
		})
		br := &browser{}
		_, code := a.do(br, "/odd")
		require.Equal(t, http.StatusOK, code, "%v", a.errors())
		a.do(br, "/check")
		_, code = a.do(br, "/huge")
		assert.Equal(t, http.StatusInternalServerError, code)
		require.NotEmpty(t, a.errors())
		assert.ErrorIs(t, a.errors()[len(a.errors())-1], hashcodec.ErrLimit)
		a.do(br, "/check") // the session is as it was
	})
}
