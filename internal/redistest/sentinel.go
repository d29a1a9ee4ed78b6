package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the sentinels monitor.
const SentinelMaster = "mymaster"

// Sentinel is a local Sentinel set-up on loopback: one master, one replica
// and three sentinels (quorum 2), each in its own temp dir.
type Sentinel struct {
	Master, Replica *Server
	Sentinels       []*Server
	dir             string
}

// StartSentinel starts the set-up and waits until the replica is in sync
// and every sentinel knows the replica and the other sentinels.
func StartSentinel(bin, parent string) (*Sentinel, error) {
	dir, err := os.MkdirTemp(parent, "sentinel-")
	if err != nil {
		return nil, err
	}
	s := &Sentinel{dir: dir}
	if s.Master, err = Start(bin, dir); err != nil {
		s.Close()
		return nil, err
	}
	if s.Replica, err = Start(bin, dir, "--replicaof", "127.0.0.1", s.Master.Port()); err != nil {
		s.Close()
		return nil, err
	}
	conf := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 2\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 5000\n"+
		"sentinel parallel-syncs %[1]s 1\n", SentinelMaster, s.Master.Port())
	for i := 0; i < 3; i++ {
		sn, err := startWith(bin, dir, func(d string) ([]string, []string, error) {
			path := filepath.Join(d, "sentinel.conf") // sentinel rewrites its config file
			return []string{path, "--sentinel"}, nil, os.WriteFile(path, []byte(conf), 0o600)
		})
		if err != nil {
			s.Close()
			return nil, err
		}
		s.Sentinels = append(s.Sentinels, sn)
	}
	if err := s.waitReady(context.Background(), 30*time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Sentinel) waitReady(ctx context.Context, timeout time.Duration) error {
	return waitFor("sentinel set-up not ready", timeout, 100*time.Millisecond, func() error { return s.ready(ctx) })
}

func (s *Sentinel) ready(ctx context.Context) error {
	rc := s.Replica.Client()
	info, err := rc.Info(ctx, "replication").Result()
	_ = rc.Close()
	if err != nil {
		return err
	}
	if !strings.Contains(info, "master_link_status:up") {
		return errors.New("replica not in sync")
	}
	for _, sn := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
		replicas, err1 := sc.Replicas(ctx, SentinelMaster).Result()
		sentinels, err2 := sc.Sentinels(ctx, SentinelMaster).Result()
		_ = sc.Close()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if len(replicas) != 1 || len(sentinels) != len(s.Sentinels)-1 {
			return fmt.Errorf("sentinel %s sees %d replicas and %d other sentinels", sn.Addr, len(replicas), len(sentinels))
		}
	}
	return nil
}

// Addrs returns the sentinels' addresses.
func (s *Sentinel) Addrs() []string {
	var addrs []string
	for _, sn := range s.Sentinels {
		addrs = append(addrs, sn.Addr)
	}
	return addrs
}

// Client returns a failover client that finds the master through the
// sentinels.
func (s *Sentinel) Client() *redis.Client {
	return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: s.Addrs()})
}

// MasterAddr asks a sentinel for the current master's address.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	for _, sn := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr})
		addr, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
		_ = sc.Close()
		if err == nil && len(addr) == 2 {
			return addr[0] + ":" + addr[1], nil
		}
	}
	return "", errors.New("no sentinel answered")
}

// Close stops every process and removes the set-up's directory.
func (s *Sentinel) Close() {
	for _, srv := range append([]*Server{s.Master, s.Replica}, s.Sentinels...) {
		if srv != nil {
			srv.Close()
		}
	}
	_ = os.RemoveAll(s.dir)
}
