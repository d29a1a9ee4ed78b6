package ginstore

import (
	"net/http"

	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// Get implements gin-contrib's Store like gorillastore.Store.Get, except
// that a cookie that does not verify (tampered, garbage, signed with a key
// no longer configured) is not an error: the request gets a fresh session,
// as the error would have it, but gin-contrib logs every error Get returns
// at ERROR, and a client sending junk cookies must not be able to fill the
// logs. Redis failures are still errors (and LoadErr reports them).
func (s *Store) Get(r *http.Request, name string) (*gsessions.Session, error) {
	session, err := s.Store.Get(r, name)
	if gorillastore.IsInvalidCookie(err) {
		return session, nil
	}
	return session, err
}

// RefreshCookies returns gin middleware that keeps the browser's cookie
// alive as long as the session it names (gorillastore's RefreshCookies):
// gin-contrib saves, and so sets the cookie, only after a write, while the
// store slides the server session on every load; a session used only by
// reads would lose its cookie MaxAge after its last write. For every
// session of this store that a request loads, if its cookie was issued
// more than a tenth of its MaxAge ago and the request did not save it, the
// cookie is issued again (same ID, nothing written to Redis) before the
// response's first byte. Use it before gin-contrib's middleware, which
// keeps the request it is handed:
//
//	r.Use(store.RefreshCookies(), sessions.Sessions("session", store))
func (s *Store) RefreshCookies() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, refresh := s.Store.RefreshCookiesFor(c.Request)
		c.Request = req
		w := c.Writer
		c.Writer = &refreshWriter{ResponseWriter: w, refresh: func() { refresh(w) }}
		c.Next()
		refresh(w)
	}
}

// refreshWriter re-issues due cookies before the response's headers go
// out, whichever way gin writes them.
type refreshWriter struct {
	gin.ResponseWriter
	refresh func()
}

func (w *refreshWriter) WriteHeader(code int) {
	w.refresh()
	w.ResponseWriter.WriteHeader(code)
}

func (w *refreshWriter) WriteHeaderNow() {
	w.refresh()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *refreshWriter) Write(b []byte) (int, error) {
	w.refresh()
	return w.ResponseWriter.Write(b)
}

func (w *refreshWriter) WriteString(s string) (int, error) {
	w.refresh()
	return w.ResponseWriter.WriteString(s)
}
