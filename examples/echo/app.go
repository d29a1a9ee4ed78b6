package main

import (
	"crypto/rand"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

const (
	sessionName = "session"
	cartPrefix  = "cart:" // one session value per item, so two tabs adding different items never collide
)

// newStore returns the app's session store on rdb. hashKey signs the
// cookies; nil means a fresh random key (fine for a demo: a restart logs
// everyone out).
func newStore(rdb redis.UniversalClient, hashKey []byte) (*gorillastore.Store, error) {
	if len(hashKey) == 0 {
		hashKey = make([]byte, 32)
		_, _ = rand.Read(hashKey)
	}
	store, err := gorillastore.New(rdb, hashKey)
	if err != nil {
		return nil, err
	}
	store.IdleTimeout = 30 * time.Minute // sliding expiry; MaxAge (30 days) caps a session's life
	store.Options.Secure = false         // the example serves plain http; keep Secure in production
	return store, nil
}

// sessionStore is what the app needs of its store: a gorilla
// sessions.Store for echo-contrib's middleware, plus gorillastore's ID
// regeneration, logout and cookie refresh. *gorillastore.Store is one; the tests wrap it
// to hold a request between its load and its save.
type sessionStore interface {
	sessions.Store
	RegenerateID(r *http.Request, w http.ResponseWriter, s *sessions.Session) error
	Destroy(r *http.Request, w http.ResponseWriter, s *sessions.Session) error
	RefreshCookies(next http.Handler) http.Handler
}

// newServer returns the app: echo with echo-contrib's session middleware
// on store, and a small JSON API.
//
//	GET  /            visit counter: "visit N"
//	GET  /me          {"user": ..., "visits": N, "since": ...}
//	POST /login       form user=NAME: a fresh session ID for the logged-in user
//	POST /logout      ends the session everywhere
//	POST /cart/ITEM   one more ITEM in the cart
//	GET  /cart        {"ITEM": count, ...}
func newServer(store sessionStore) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// RefreshCookies first: a session that is only read keeps its cookie.
	e.Use(echo.WrapMiddleware(store.RefreshCookies), session.Middleware(store))
	a := &app{store: store}
	e.GET("/", a.visit)
	e.GET("/me", a.me)
	e.POST("/login", a.login)
	e.POST("/logout", a.logout)
	e.POST("/cart/:item", a.addToCart)
	e.GET("/cart", a.cart)
	return e
}

type app struct {
	store sessionStore
}

// session returns the request's session. A cookie that does not verify
// (tampered, garbage, an old key) just means a new session; only a Redis
// failure is an error, which echo turns into a 500.
func (a *app) session(c echo.Context) (*sessions.Session, error) {
	s, err := session.Get(sessionName, c)
	if err != nil && !gorillastore.IsInvalidCookie(err) {
		return nil, err
	}
	return s, nil
}

func (a *app) visit(c echo.Context) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	visits, _ := s.Values["visits"].(int) // an int comes back as an int
	s.Values["visits"] = visits + 1
	if _, ok := s.Values["since"]; !ok {
		s.Values["since"] = time.Now().UTC().Truncate(time.Second)
	}
	if err := s.Save(c.Request(), c.Response()); err != nil { // writes only what changed
		return err
	}
	return c.String(http.StatusOK, "visit "+strconv.Itoa(visits+1))
}

type me struct {
	User   string    `json:"user"`
	Visits int       `json:"visits"`
	Since  time.Time `json:"since"`
}

func (a *app) me(c echo.Context) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	user, _ := s.Values["user"].(string)
	visits, _ := s.Values["visits"].(int)
	since, _ := s.Values["since"].(time.Time)
	return c.JSON(http.StatusOK, me{User: user, Visits: visits, Since: since})
}

var validName = regexp.MustCompile(`^[a-z0-9]{1,20}$`)

func (a *app) login(c echo.Context) error {
	user := c.FormValue("user")
	if !validName.MatchString(user) {
		return echo.NewHTTPError(http.StatusBadRequest, "user: 1 to 20 lowercase letters or digits")
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	s.Values["user"] = user
	// A fresh ID on login: an ID planted before it (fixation) is worthless.
	if err := a.store.RegenerateID(c.Request(), c.Response(), s); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"user": user})
}

func (a *app) logout(c echo.Context) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	if err := a.store.Destroy(c.Request(), c.Response(), s); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *app) addToCart(c echo.Context) error {
	item := c.Param("item")
	if !validName.MatchString(item) {
		return echo.NewHTTPError(http.StatusBadRequest, "item: 1 to 20 lowercase letters or digits")
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	n, _ := s.Values[cartPrefix+item].(int)
	s.Values[cartPrefix+item] = n + 1
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{item: n + 1})
}

func (a *app) cart(c echo.Context) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	items := map[string]int{}
	for k, v := range s.Values {
		if key, ok := k.(string); ok {
			if item, ok := strings.CutPrefix(key, cartPrefix); ok {
				items[item], _ = v.(int)
			}
		}
	}
	return c.JSON(http.StatusOK, items)
}
