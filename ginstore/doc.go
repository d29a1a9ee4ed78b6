// Package ginstore is a github.com/gin-contrib/sessions store that keeps
// each session as one Redis hash with sliding expiry: package gorillastore
// (of github.com/redis-session/redis-session-go) behind gin-contrib's
// Store interface. It takes a redis.UniversalClient, so one server,
// Sentinel and Redis Cluster all work.
//
//	store, err := ginstore.New(rdb, hashKey)  // key pairs as for gorillastore.New
//	store.IdleTimeout = 30 * time.Minute      // optional: sliding expiry
//	r := gin.New()
//	r.Use(sessions.Sessions("session", store))
//	r.GET("/", func(c *gin.Context) {
//		session := sessions.Default(c)
//		session.Set("user_id", 42)
//		_ = session.Save()
//	})
//	r.POST("/login", func(c *gin.Context) {
//		sessions.Default(c).Set("user_id", 42)
//		_ = store.RegenerateID(c, "session") // a fresh ID on login
//	})
//	r.POST("/logout", func(c *gin.Context) { _ = store.Destroy(c, "session") })
//
// # What it guarantees
//
// Everything gorillastore does (see its documentation), as gin sees it:
//
//   - session.Get returns the Go type that was Set (int stays int,
//     time.Time stays time.Time; non-string keys and flashes work; custom
//     types need gob.Register).
//   - session.Save() writes only the keys the request set or deleted, in
//     one atomic script: two requests of one cookie that set different keys
//     both keep their change, on one instance or several.
//   - A session deleted by Destroy, by gin-contrib's logout idiom
//     (Options{MaxAge: -1} and Save), by RegenerateID or by
//     DeleteUserSessions stays deleted: a request of the old cookie still in
//     flight saves nothing and expires its cookie.
//   - A cookie that does not verify, or whose session is gone, gets a fresh
//     session with a store-generated ID; the handler sees an empty session,
//     never an error page. (gin-contrib logs the store's error for a cookie
//     that does not verify, through log/slog.)
//   - Saves and deletes run detached from the request's context, bounded by
//     the store's Timeout: a client that disconnects cannot abort them.
//
// # How gin-contrib drives a store
//
// gin-contrib loads the session on the first use of sessions.Default(c) in
// a request (one round trip that also slides the session's expiry) and
// writes it only when the handler calls session.Save() after a Set,
// Delete, Clear, AddFlash, Flashes or Options. The helpers of Store act on
// the very session gin-contrib's middleware holds, so they combine with
// sessions.Default(c) in one handler in any order. Cookies travel in
// response headers: call Save, RegenerateID and Destroy before writing the
// body.
//
// The cookie's own lifetime is set when a save sends it. With IdleTimeout
// set, MaxAge caps a session's life from its creation, and the cookie sent
// at the first save lives at least that long. Without IdleTimeout a session
// lives MaxAge after its last use, but gin re-sends the cookie only on a
// save, so a client that only reads loses its cookie MaxAge after the last
// save while the server keeps the session until its TTL runs out. Set
// IdleTimeout (MaxAge then caps the session's life from creation) or save
// now and then.
package ginstore
