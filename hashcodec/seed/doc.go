// Package seed shares sessions with a Python app that uses redis_session
// (the library this module ports, "the seed"): a Go handler served under
// the same domain as a Tornado app finds the seed's session from the seed's
// own cookie and reads and writes it field by field with hashcodec.
//
// # What the seed stores
//
// The seed keeps each session as one Redis hash under
// "<prefix>:sessions:<id>" (prefix "redis" by default), with no metadata
// fields, and slides its TTL with EXPIRE <session-expire> after every
// write. The ID is two canonical uuid4 strings, 72 characters of [0-9a-f-].
// The cookie ("session-id" by default) holds the ID signed with Tornado's
// secure cookie format version 2, or the bare ID when the seed's
// session-cookie-secure option is off.
//
// # Using it
//
//	seeds := &seed.Sessions{Client: rdb, Secret: []byte(cookieSecret), Expire: time.Hour}
//	h, err := seeds.Hash(r)          // verifies the cookie; no Redis I/O yet
//	if err != nil { ... }            // errors.Is(err, seed.ErrInvalidCookie), http.ErrNoCookie
//	n := h.Get(ctx, "count").Int()   // the seed's .int
//	err = h.Set(ctx, "seen_by_go", true)
//
// Values read with the conversions of the seed's accessors (see
// hashcodec.Field). What a Python reader gets for each value Go writes is
// listed in README-interop.md next to this file.
//
// # Cookies
//
// VerifyTornadoCookie checks a signed value the way Tornado's
// get_secure_cookie (get_signed_cookie) does, and more strictly; see its
// documentation for the rules. Version 1 values, which Tornado still
// accepts by default, are refused: nothing but Tornado before 3.2 (2014),
// or an app that asks for them, writes them, and their HMAC-SHA1 covers
// the fields without separators, so their boundaries can be shifted
// without breaking the signature.
package seed
