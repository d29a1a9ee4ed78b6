package gorillastore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gorilla/securecookie"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// FuzzCookie sends arbitrary cookie values: New must always return a
// usable fresh session, with ErrInvalidCookie or no error, and never a
// loaded one.
func FuzzCookie(f *testing.F) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		f.Fatal(err)
	}
	defer mr.Close()
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
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
