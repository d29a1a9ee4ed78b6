// Package browsertest drives the demo (examples/demo) in headless Chromium
// through the page's buttons, for both stores: the first visit, login,
// logout, "log out everywhere else" from a second browser, and Redis going
// down. It has no code of its own, only tests; it is a module of its own so
// that chromedp never reaches the library's go.mod.
//
//	cd examples/demo/browsertest && go test ./...
//
// The test builds the demo, runs it on a free loopback port with its
// embedded miniredis (or, for the Redis-down case, a miniredis the test
// starts and stops), and never touches any other Redis. Without Chromium it
// skips, unless BROWSER_REQUIRED=1, then it fails. Debian:
// apt-get install chromium.
package browsertest
