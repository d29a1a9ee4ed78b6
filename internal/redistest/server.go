// Package redistest starts real redis-server processes for tests and runs
// the same test case against miniredis and a real Redis. It is test support
// shared by every package of this module; users must not import it.
//
// Real servers listen on a free loopback port, keep their files in a temp
// dir, persist nothing, and die with the test binary. Without a
// redis-server binary the real-Redis cases skip, unless REDIS_REQUIRED=1
// (CI sets it), in which case they fail.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process started for tests.
type Server struct {
	Addr string // host:port on loopback
	Dir  string // working directory (logs, nodes.conf)

	bin  string
	args []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Binary returns the path of redis-server ($REDIS_SERVER, or the one on
// PATH), or an error if there is none.
func Binary() (string, error) {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p, nil
	}
	return exec.LookPath("redis-server")
}

// Required reports whether real-Redis cases must run (REDIS_REQUIRED=1).
func Required() bool { return os.Getenv("REDIS_REQUIRED") == "1" }

// SkipOrFail ends t when no redis-server is available: a skip, or a failure
// under REDIS_REQUIRED=1. It returns the binary path otherwise.
func SkipOrFail(t testing.TB) string {
	t.Helper()
	bin, err := Binary()
	if err == nil {
		return bin
	}
	if Required() {
		t.Fatalf("REDIS_REQUIRED=1 but no redis-server: %v", err)
	}
	t.Skipf("no redis-server binary (%v); set REDIS_REQUIRED=1 to make this a failure", err)
	return ""
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start launches redis-server from bin on a free loopback port in a new
// temp dir under parent (os.TempDir() if ""), with extra config args such
// as "--replicaof", "127.0.0.1", "6379". It waits until the server answers
// PING.
func Start(bin, parent string, extra ...string) (*Server, error) {
	return startWith(bin, parent, func(string) ([]string, []string, error) { return nil, extra, nil })
}

// startWith starts a server whose arguments depend on its directory:
// config gives the arguments to put before the common ones (a config file
// must come first) and after them. It retries on another port when the
// chosen one was taken meanwhile.
func startWith(bin, parent string, config func(dir string) (before, after []string, err error)) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(parent, "redis-"+strconv.Itoa(port)+"-")
		if err != nil {
			return nil, err
		}
		before, after, err := config(dir)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: dir, bin: bin}
		s.args = append(append(before,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no",
		), after...)
		if lastErr = s.launch(); lastErr == nil {
			return s, nil
		}
		s.Close()
	}
	return nil, lastErr
}

// Port returns the server's TCP port.
func (s *Server) Port() string {
	_, port, _ := net.SplitHostPort(s.Addr)
	return port
}

func (s *Server) launch() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := s.waitReady(done, cmd.Process.Pid); err != nil {
		s.Stop()
		log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
		return fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, log)
	}
	return nil
}

// waitReady waits until the server answers, and checks that the server
// answering is this one (its process ID): a port taken by another test
// process's server between FreePort and the start must not be mistaken for
// ours.
func (s *Server) waitReady(done <-chan struct{}, pid int) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	return waitFor("not ready", 10*time.Second, 10*time.Millisecond, func() error {
		select {
		case <-done:
			return giveUp{errors.New("exited during start-up")}
		default:
		}
		info, err := c.Info(context.Background(), "server").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "process_id:"+strconv.Itoa(pid)+"\r\n") {
			return giveUp{errors.New("port taken by another server")}
		}
		return nil
	})
}

// Client returns a new go-redis client for the server.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr})
}

// Stop kills the process (SIGKILL, as a crash would) and waits for it. The
// data is gone; Restart starts an empty server on the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the server again on the same address after Stop.
func (s *Server) Restart() error {
	s.Stop()
	return s.launch()
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	s.Stop()
	_ = os.RemoveAll(s.Dir)
}
