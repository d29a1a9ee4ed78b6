package seed_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec/seed"
)

// A Go handler next to a Tornado app that uses redis_session: the same
// cookie_secret, prefix and session-expire as the Python app.
func ExampleSessions_Hash() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	ctx := context.Background()

	// What the Python app stored: session.count = 41, session.admin = True.
	const id = "0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	rdb.HSet(ctx, "redis:sessions:"+id, "count", "41", "admin", "True", "name", "stefan")
	rdb.Expire(ctx, "redis:sessions:"+id, time.Hour)

	seeds := &seed.Sessions{Client: rdb, Secret: []byte("the Tornado app's cookie_secret"), Expire: time.Hour}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := seeds.Hash(r)
		if errors.Is(err, http.ErrNoCookie) || errors.Is(err, seed.ErrInvalidCookie) {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, err := h.Incr(r.Context(), "count", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, h.Get(r.Context(), "name").String(), h.Get(r.Context(), "admin").Bool(), n)
	})

	// The browser sends the cookie the Tornado app set.
	cookie, _ := seed.SignTornadoCookie([]byte("the Tornado app's cookie_secret"), "session-id", id, time.Now())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "session-id", Value: cookie})
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Print(w.Body.String())

	w = httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// stefan true 42
	// 401 no session
}

// Checking a cookie value as Tornado's get_secure_cookie does, and more
// strictly.
func ExampleVerifyTornadoCookie() {
	secret := []byte("0123456789abcdef-test-secret")
	// Written by Tornado's set_secure_cookie("session-id", ...) at Unix time 1764100567.
	value := "2|1:0|10:1764100567|10:session-id|96:MGQ5YjJjN2UtN2ExZS00YzFiLTlhNTUtM2YxYzJkNGU1ZjYwYzNiMWEyZDQtNWU2Zi00YTdiLThjOWQtMGUxZjJhM2I0YzVk|e2f105826ccf098c18ce156a6889f4b9285e548fea22623ed40a46c3fd2acf12"
	now := time.Unix(1764100567, 0).Add(24 * time.Hour)

	id, err := seed.VerifyTornadoCookie(secret, "session-id", value, seed.DefaultMaxAge, now)
	fmt.Println(id, err)

	_, err = seed.VerifyTornadoCookie(secret, "user", value, seed.DefaultMaxAge, now)
	fmt.Println(err)
	_, err = seed.VerifyTornadoCookie(secret, "session-id", value, seed.DefaultMaxAge, now.Add(31*24*time.Hour))
	fmt.Println(err)
	_, err = seed.VerifyTornadoCookie(secret, "session-id", value[:len(value)-1]+"0", seed.DefaultMaxAge, now)
	fmt.Println(err, errors.Is(err, seed.ErrInvalidCookie))
	// Output:
	// 0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d <nil>
	// seed: cookie was signed for another name: signed for "session-id", read as "user"
	// seed: signed cookie has expired: signed 768h0m0s ago, limit 744h0m0s
	// seed: bad cookie signature true
}

// With the seed's session-cookie-secure option off the cookie is the bare
// ID, which a client can choose: only its form is checked.
func ExampleSessions_unsigned() {
	seeds := &seed.Sessions{Unsigned: true}
	for _, v := range []string{
		"0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
		"{admin}",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session-id", Value: v})
		fmt.Println(seeds.ID(r))
	}
	// Output:
	// 0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d <nil>
	//  seed: not a session ID of redis_session
}
