package main

import (
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/embed"
)

type etcdOptions struct {
	dataDir      string
	clientURL    string
	peerURL      string
	logLevel     string
	startTimeout time.Duration
}

// newEtcdCommand runs a single-member etcd in its own process, embedded the
// same way as the e2e apiserver harness (test/e2e/apiserver), so the cluster
// needs no etcd binary and the etcd packages compile once for both.
func newEtcdCommand() *cobra.Command {
	o := &etcdOptions{}
	cmd := &cobra.Command{
		Use:          "etcd",
		Short:        "single-member etcd for the test cluster (throw-away data, no fsync)",
		SilenceUsage: true,
		RunE:         func(*cobra.Command, []string) error { return runEtcd(o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "", "etcd data directory (required)")
	f.StringVar(&o.clientURL, "listen-client-url", "http://127.0.0.1:2379", "client URL to listen on and advertise")
	f.StringVar(&o.peerURL, "listen-peer-url", "http://127.0.0.1:2380", "peer URL to listen on and advertise")
	f.StringVar(&o.logLevel, "log-level", "warn", "etcd log level (debug, info, warn, error)")
	f.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "how long to wait for etcd to become ready")
	return cmd
}

func runEtcd(o *etcdOptions) error {
	if o.dataDir == "" {
		return fmt.Errorf("--data-dir is required")
	}
	clientURL, err := url.Parse(o.clientURL)
	if err != nil {
		return fmt.Errorf("--listen-client-url: %w", err)
	}
	peerURL, err := url.Parse(o.peerURL)
	if err != nil {
		return fmt.Errorf("--listen-peer-url: %w", err)
	}
	// Registered before start so a signal during start-up is not lost.
	sigCh := make(chan os.Signal, 2)
	signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM)

	cfg := embed.NewConfig()
	cfg.Name = "harbor-node"
	cfg.Dir = o.dataDir
	cfg.Logger = "zap"
	cfg.LogLevel = o.logLevel
	cfg.LogOutputs = []string{"stderr"}
	// Test state is thrown away with the cluster; fsync only slows the node.
	cfg.UnsafeNoFsync = true
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd ready at %s (data dir %s)\n", clientURL, o.dataDir)
	case <-time.After(o.startTimeout):
		return fmt.Errorf("etcd not ready after %s", o.startTimeout)
	case err := <-e.Err():
		return err
	case s := <-sigCh:
		return fmt.Errorf("received %s while starting", s)
	}
	select {
	case err := <-e.Err():
		return err
	case s := <-sigCh:
		fmt.Fprintf(os.Stderr, "received %s, stopping etcd\n", s)
		return nil
	}
}
