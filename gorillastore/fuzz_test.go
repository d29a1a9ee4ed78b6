package gorillastore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis-session/redis-session-go/internal/redistest"

	"github.com/gorilla/securecookie"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// FuzzCookie sends arbitrary cookie values: New must always return a
// usable fresh session, with ErrInvalidCookie or no error, and never a
// loaded one.
func FuzzCookie(f *testing.F) {
	c := redistest.MiniClient(f)
	store, err := gorillastore.New(c, hashKey, blockKey)
	if err != nil {
		f.Fatal(err)
	}
	valid, _ := securecookie.EncodeMulti(cookieName, "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0N", store.Codecs...)
	f.Add(valid)
	f.Add("garbage")
	f.Add("MTc2NDEwMDAwMHxabc|def")
	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", cookieName+"="+value)
		s, err := store.New(req, cookieName)
		if s == nil {
			t.Fatal("nil session")
		}
		if err != nil && !gorillastore.IsInvalidCookie(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if !s.IsNew || s.ID != "" || len(s.Values) != 0 {
			t.Fatalf("a session came back for %q", value)
		}
	})
}

// FuzzLoadStoredHash writes arbitrary hash contents under a session ID
// the cookie names and loads it: New must return a session (loaded, or
// fresh with an error) and never panic; a session that failed to load must
// not be saved over the stored one.
func FuzzLoadStoredHash(f *testing.F) {
	c := redistest.MiniClient(f)
	store, err := gorillastore.New(c, hashKey, blockKey)
	if err != nil {
		f.Fatal(err)
	}
	const id = "4xv2Yw7Q1n9Jk3t0Hq8uVb6ZcRm5Ls2Pa1Ed7Gf0WiA"
	cookie, err := securecookie.EncodeMulti(cookieName, id, store.Codecs...)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("#k:int:42", "43", "int", "86400", "1800000000000", "#user", "ada")
	f.Add("#k:gob:!!", "x", "gob", "-1", "x", "_flash", "\x00")
	f.Add("name", "", "bool", "", "", "#uexp", "1")
	f.Fuzz(func(t *testing.T, field, value, typ, maxAge, idle, field2, value2 string) {
		key := store.KeyPrefix + id
		c.Del(ctx, key)
		args := []any{"#created", "1", "#maxage", maxAge, "#idle", idle, field, value, field2, value2}
		if typ != "" {
			args = append(args, "#t:"+field, typ)
		}
		if err := c.HSet(ctx, key, args...).Err(); err != nil {
			return
		}
		c.Expire(ctx, key, time.Hour)
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
		s, err := store.New(req, cookieName)
		if s == nil {
			t.Fatal("nil session")
		}
		if err != nil && s.Save(req, httptest.NewRecorder()) == nil {
			t.Fatalf("a session that failed to load (%v) was saved", err)
		}
	})
}
