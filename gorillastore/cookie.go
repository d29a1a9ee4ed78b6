package gorillastore

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/internal/token"
)

// The cookie carries, signed (and encrypted with a block key), the session
// ID and when the cookie was issued: "<id>.<Unix seconds>". The issue time
// is what lets RefreshCookies re-issue a cookie before it runs out while
// the server keeps sliding the session.

func (s *Store) encodeCookie(name, id string, issued time.Time) (string, error) {
	v, err := securecookie.EncodeMulti(name, id+"."+strconv.FormatInt(issued.Unix(), 10), s.Codecs...)
	if err != nil {
		return "", fmt.Errorf("gorillastore: sign cookie: %w", err)
	}
	return v, nil
}

// decodeCookie verifies a cookie value and returns the session ID it
// carries and when it was issued (the zero time if it does not say).
func (s *Store) decodeCookie(name, value string) (id string, issued time.Time, err error) {
	var payload string
	if err := securecookie.DecodeMulti(name, value, &payload, s.Codecs...); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", ErrInvalidCookie, err)
	}
	id, at, _ := strings.Cut(payload, ".")
	if !token.Valid(id) {
		return "", time.Time{}, fmt.Errorf("%w: cookie holds no session ID", ErrInvalidCookie)
	}
	if sec, err := strconv.ParseInt(at, 10, 64); err == nil && sec > 0 {
		issued = time.Unix(sec, 0)
	}
	return id, issued, nil
}

// CookieID verifies a session cookie's value (as the named cookie of a
// request carries it) and returns the session ID in it, as session.ID
// would hold it once loaded; an error wrapping ErrInvalidCookie when it
// does not verify. It does no I/O.
func (s *Store) CookieID(name, value string) (string, error) {
	id, _, err := s.decodeCookie(name, value)
	return id, err
}

// RefreshCookies keeps the browser's cookie alive as long as the session
// it names. gorilla sets cookies only on Save, while this store slides a
// session's server-side expiry on every load, so a session used only by
// reads would lose its cookie MaxAge after its last Save although the
// server keeps it. Wrap your handlers with it:
//
//	http.ListenAndServe(":3000", store.RefreshCookies(mux))
//
// For every session this store loads in a request, if its cookie was
// issued more than a tenth of its MaxAge ago and the request did not save
// it, the cookie is issued again (same ID, nothing written to Redis) with
// the response's headers, before its first byte. The cookie then always
// lives at least nine tenths of MaxAge past the last request. (A cookie
// may outlive its session, as any cookie may: an ended session's cookie
// finds nothing and gets a fresh session.) Browser-session cookies (MaxAge
// 0) need no refresh.
func (s *Store) RefreshCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, refresh := s.RefreshCookiesFor(r)
		rw := &refreshWriter{ResponseWriter: w, refresh: refresh}
		next.ServeHTTP(rw, r)
		refresh(w)
	})
}

// RefreshCookiesFor is what RefreshCookies is built on, for middleware of
// other frameworks (ginstore): it returns r made to record the sessions
// this store loads from it, and a function that re-issues, on w, the
// cookies of those that are due; call it before the response's headers go
// out. Only its first call does anything.
func (s *Store) RefreshCookiesFor(r *http.Request) (*http.Request, func(w http.ResponseWriter)) {
	l := &loaded{store: s}
	r = r.WithContext(context.WithValue(r.Context(), loadedKey{s}, l))
	return r, l.refresh
}

// loadedKey keys, in a request's context, the sessions a store loaded in
// it (RefreshCookies).
type loadedKey struct{ store *Store }

type loaded struct {
	store    *Store
	once     sync.Once
	mu       sync.Mutex
	sessions []*sessions.Session
}

// noteLoad records a session New loaded, for RefreshCookies.
func (s *Store) noteLoad(r *http.Request, session *sessions.Session) {
	if l, ok := r.Context().Value(loadedKey{s}).(*loaded); ok {
		l.mu.Lock()
		l.sessions = append(l.sessions, session)
		l.mu.Unlock()
	}
}

// refresh re-issues the due cookies of the sessions loaded, once.
func (l *loaded) refresh(w http.ResponseWriter) {
	l.once.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		now := time.Now()
		for _, session := range l.sessions {
			l.store.refreshCookie(w, session, now)
		}
	})
}

// refreshWriter re-issues due cookies before the response's headers go
// out.
type refreshWriter struct {
	http.ResponseWriter
	refresh func(http.ResponseWriter)
}

// WriteHeader implements http.ResponseWriter.
func (rw *refreshWriter) WriteHeader(code int) {
	rw.refresh(rw.ResponseWriter)
	rw.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (rw *refreshWriter) Write(b []byte) (int, error) {
	rw.refresh(rw.ResponseWriter)
	return rw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rw *refreshWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// refreshCookie re-issues session's cookie if it is due (see
// RefreshCookies). A session saved, regenerated or destroyed in the request
// has had its cookie set already.
func (s *Store) refreshCookie(w http.ResponseWriter, session *sessions.Session, now time.Time) {
	st := s.states.get(session)
	if st.snap == nil || st.saved || session.ID == "" || st.snap.Key != s.key(session.ID) ||
		session.Options == nil || session.Options.MaxAge <= 0 {
		return
	}
	age := time.Duration(session.Options.MaxAge) * time.Second
	if !st.issued.IsZero() && now.Sub(st.issued) <= age/10 {
		return
	}
	value, err := s.encodeCookie(session.Name(), session.ID, now)
	if err != nil {
		return
	}
	http.SetCookie(w, sessions.NewCookie(session.Name(), value, session.Options))
}
