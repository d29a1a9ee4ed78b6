// Package stress holds the long fault campaign, run by `make stress` (go
// test -tags stress): Redis killed and restarted under load, paused past
// the stores' timeouts, and a connection pool too small for the load. It
// has no code of its own.
package stress
