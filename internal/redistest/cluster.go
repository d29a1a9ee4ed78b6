package redistest

import (
	"context"
	"errors"
	"fmt"
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

// Cluster is a local Redis Cluster on loopback: 3 masters and 3 replicas,
// created with redis-cli --cluster create, in temp dirs.
type Cluster struct {
	Nodes []*Server
	dir   string
}

// cliBinary returns redis-cli: next to redis-server, or on PATH.
func cliBinary(serverBin string) (string, error) {
	if p := filepath.Join(filepath.Dir(serverBin), "redis-cli"); fileExists(p) {
		return p, nil
	}
	return exec.LookPath("redis-cli")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StartCluster starts six cluster-enabled nodes and joins them into a
// cluster of 3 masters with one replica each. It returns once every node
// reports cluster_state:ok and knows all six nodes.
func StartCluster(bin, parent string) (*Cluster, error) {
	cli, err := cliBinary(bin)
	if err != nil {
		return nil, fmt.Errorf("redis-cli: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "cluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, Nodes: make([]*Server, 6)}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Nodes[i], errs[i] = startWith(bin, dir, func(string) ([]string, []string, error) {
				bus, err := FreePort() // explicit: port+10000 may be taken or out of range
				return nil, []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
					"--cluster-node-timeout", "2000", "--cluster-port", strconv.Itoa(bus)}, err
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr)
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.WaitHealthy(context.Background(), 30*time.Second); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Addrs returns the nodes' addresses.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// Client returns a new cluster client.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
}

// WaitHealthy waits until every running node reports cluster_state:ok,
// knows every other node and agrees there are 3 masters with a replica.
func (c *Cluster) WaitHealthy(ctx context.Context, timeout time.Duration) error {
	return waitFor("cluster not healthy", timeout, 100*time.Millisecond, func() error { return c.healthy(ctx) })
}

func (c *Cluster) healthy(ctx context.Context) error {
	for _, n := range c.Nodes {
		nc := n.Client()
		info, err := nc.ClusterInfo(ctx).Result()
		if err == nil && !strings.Contains(info, "cluster_state:ok") {
			err = errors.New(n.Addr + " cluster_state is not ok")
		}
		var nodes string
		if err == nil {
			nodes, err = nc.ClusterNodes(ctx).Result()
		}
		_ = nc.Close()
		if err != nil {
			return err
		}
		masters := strings.Count(nodes, "master") - strings.Count(nodes, "fail")
		if lines := strings.Count(strings.TrimSpace(nodes), "\n") + 1; lines != len(c.Nodes) || masters != 3 {
			return fmt.Errorf("%s sees %d nodes, %d masters", n.Addr, lines, masters)
		}
	}
	return nil
}

// Failover makes the replica of the master that serves key take over with
// CLUSTER FAILOVER, and waits until the cluster agrees. It returns the
// addresses of the old master and of the new one.
func (c *Cluster) Failover(ctx context.Context, key string) (oldMaster, newMaster string, err error) {
	cc := c.Client()
	defer cc.Close()
	master, err := cc.MasterForKey(ctx, key)
	if err != nil {
		return "", "", err
	}
	oldMaster = master.Options().Addr
	id, err := master.ClusterMyID(ctx).Result()
	if err != nil {
		return "", "", err
	}
	for _, n := range c.Nodes {
		nc := n.Client()
		role, _ := nc.Do(ctx, "ROLE").Slice()
		nodes, _ := nc.ClusterNodes(ctx).Result()
		isReplicaOfMaster := len(role) > 0 && role[0] == "slave" && strings.Contains(myLine(nodes), id)
		if isReplicaOfMaster {
			err = nc.ClusterFailover(ctx).Err()
			_ = nc.Close()
			if err != nil {
				return "", "", err
			}
			newMaster = n.Addr
			break
		}
		_ = nc.Close()
	}
	if newMaster == "" {
		return "", "", fmt.Errorf("no replica of %s found", oldMaster)
	}
	err = waitFor("replica "+newMaster+" did not take over", 30*time.Second, 50*time.Millisecond, func() error {
		nc := redis.NewClient(&redis.Options{Addr: newMaster})
		defer nc.Close()
		role, err := nc.Do(ctx, "ROLE").Slice()
		if err == nil && (len(role) == 0 || role[0] != "master") {
			err = fmt.Errorf("role %v", role)
		}
		return err
	})
	if err != nil {
		return "", "", err
	}
	return oldMaster, newMaster, c.WaitHealthy(ctx, 30*time.Second)
}

// myLine returns the CLUSTER NODES line of the node that answered.
func myLine(nodes string) string {
	for _, l := range strings.Split(nodes, "\n") {
		if strings.Contains(l, "myself") {
			return l
		}
	}
	return ""
}

// Close stops every node and removes the cluster's directory.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		if n != nil {
			n.Close()
		}
	}
	_ = os.RemoveAll(c.dir)
}

var sharedCluster struct {
	once sync.Once
	c    *Cluster
	err  error
}

// SharedCluster returns the package's local cluster, starting it on first
// use; it skips or fails t (see SkipOrFail) when it cannot run. Main stops
// it.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := SkipOrFail(t)
	sharedCluster.once.Do(func() {
		// Test packages start clusters at the same time on one machine: a
		// start that lost a port race is tried again from scratch.
		for attempt := 0; attempt < 3; attempt++ {
			if sharedCluster.c, sharedCluster.err = StartCluster(bin, ""); sharedCluster.err == nil {
				return
			}
		}
	})
	if sharedCluster.err != nil {
		t.Fatalf("start redis cluster: %v", sharedCluster.err)
	}
	return sharedCluster.c
}
