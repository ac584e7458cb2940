// Command kube-apiserver (test harness) runs an embedded, single-member etcd on
// 127.0.0.1 and then the stock kube-apiserver command against it, in one
// process. It exists only so the e2e suite can talk to a real API server
// without Docker/kind. See README.md.
//
// Usage:
//
//	kube-apiserver [harness flags] -- [kube-apiserver flags]
//
// Everything after the first "--" goes to kube-apiserver unchanged, plus
// --etcd-servers=http://127.0.0.1:<etcd port>. Without a "--", all arguments
// go to kube-apiserver and the harness uses its defaults.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

type harnessOptions struct {
	etcdDataDir      string
	etcdClientPort   int
	etcdPeerPort     int
	etcdStartTimeout time.Duration
	etcdLogLevel     string
	etcdFsync        bool
	shutdownTimeout  time.Duration
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("apiserver-harness: ")
	os.Exit(run(os.Args[1:]))
}

func splitArgs(args []string) (harness, apiserver []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return nil, args
}

func parseHarnessFlags(args []string) (*harnessOptions, error) {
	o := &harnessOptions{}
	fs := flag.NewFlagSet("kube-apiserver harness", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [harness flags] -- [kube-apiserver flags]\n\nHarness flags:\n", os.Args[0])
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nkube-apiserver flags: %s -- --help\n", os.Args[0])
	}
	fs.StringVar(&o.etcdDataDir, "etcd-data-dir", "", "etcd data directory (kept on exit). Default: a fresh temp dir, removed on exit (or by the next run if this one is killed).")
	fs.IntVar(&o.etcdClientPort, "etcd-client-port", 0, "etcd client port on 127.0.0.1 (0 = pick a free port)")
	fs.IntVar(&o.etcdPeerPort, "etcd-peer-port", 0, "etcd peer port on 127.0.0.1 (0 = pick a free port)")
	fs.DurationVar(&o.etcdStartTimeout, "etcd-start-timeout", 60*time.Second, "how long to wait for etcd to become ready")
	fs.StringVar(&o.etcdLogLevel, "etcd-log-level", "warn", "etcd log level (debug, info, warn, error)")
	fs.BoolVar(&o.etcdFsync, "etcd-fsync", false, "fsync etcd writes (off by default: the data is throw-away test state)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "after SIGTERM/SIGINT, force exit if kube-apiserver has not stopped within this time")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected harness argument %q (kube-apiserver flags go after \"--\")", fs.Arg(0))
	}
	return o, nil
}

func run(args []string) int {
	harnessArgs, apiserverArgs := splitArgs(args)
	opts, err := parseHarnessFlags(harnessArgs)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		log.Print(err)
		return 2
	}
	for _, a := range apiserverArgs {
		if a == "--etcd-servers" || strings.HasPrefix(a, "--etcd-servers=") {
			log.Print("--etcd-servers is set by the harness (embedded etcd); do not pass it")
			return 2
		}
	}
	if wantsInfoOnly(apiserverArgs) {
		// --help / --version: kube-apiserver prints and exits (os.Exit for
		// --version), so do not start etcd (its temp dir would be left behind).
		return cli.Run(newAPIServerCommand(apiserverArgs))
	}

	// Registered before anything else so a signal during etcd start-up is not
	// lost. signal.Notify fans out, so kube-apiserver's own handler (installed
	// by NewAPIServerCommand) still sees the same signals later.
	sigCh := make(chan os.Signal, 2)
	signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM)

	dataDir := opts.etcdDataDir
	if dataDir == "" {
		sweepStaleTempDirs()
		dataDir, err = os.MkdirTemp("", fmt.Sprintf("%s%d-", tempDirPrefix, os.Getpid()))
		if err != nil {
			log.Printf("create etcd data dir: %v", err)
			return 1
		}
		defer os.RemoveAll(dataDir)
	}

	etcd, clientURL, err := startEtcd(opts, dataDir)
	if err != nil {
		log.Printf("start etcd: %v", err)
		return 1
	}
	// embed.Etcd.Close is not idempotent (it closes its error channel).
	closeEtcd := sync.OnceFunc(etcd.Close)
	defer closeEtcd()

	select {
	case <-etcd.Server.ReadyNotify():
		log.Printf("etcd ready at %s (data dir %s)", clientURL, dataDir)
	case <-time.After(opts.etcdStartTimeout):
		log.Printf("etcd not ready after %s", opts.etcdStartTimeout)
		return 1
	case err := <-etcd.Err():
		log.Printf("etcd failed: %v", err)
		return 1
	case s := <-sigCh:
		log.Printf("received %s while starting etcd, exiting", s)
		return 1
	}

	cmd := newAPIServerCommand(append(append([]string{}, apiserverArgs...), "--etcd-servers="+clientURL))
	done := make(chan int, 1)
	go func() { done <- cli.Run(cmd) }()

	var forceExit <-chan time.Time
	for {
		select {
		case code := <-done:
			log.Printf("kube-apiserver exited with code %d; stopping etcd", code)
			closeEtcd()
			return code
		case err := <-etcd.Err():
			log.Printf("etcd failed: %v", err)
			return 1
		case s := <-sigCh:
			// kube-apiserver reacts to the same signal (graceful shutdown on
			// the first one, os.Exit(1) on the second); we only make sure the
			// process does not hang around.
			if forceExit == nil {
				log.Printf("received %s, waiting up to %s for kube-apiserver to stop", s, opts.shutdownTimeout)
				forceExit = time.After(opts.shutdownTimeout)
			}
		case <-forceExit:
			log.Printf("kube-apiserver did not stop within %s; stopping etcd and exiting", opts.shutdownTimeout)
			closeEtcd()
			return 1
		}
	}
}

const tempDirPrefix = "harbor-e2e-etcd-"

// sweepStaleTempDirs removes default etcd data dirs left behind by harness
// processes that no longer exist. Deferred cleanup does not run when the
// process is SIGKILLed or when kube-apiserver calls os.Exit (it does so on a
// second SIGTERM/SIGINT); the dir names carry the owner's pid.
func sweepStaleTempDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*"))
	for _, dir := range matches {
		pidStr, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(dir), tempDirPrefix), "-")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			log.Printf("removing stale etcd data dir %s (pid %d is gone)", dir, pid)
			_ = os.RemoveAll(dir)
		}
	}
}

// newAPIServerCommand builds the stock kube-apiserver command. It must be
// called once per process: it installs kube-apiserver's signal handler.
func newAPIServerCommand(args []string) *cobra.Command {
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	return cmd
}

func wantsInfoOnly(args []string) bool {
	for _, a := range args {
		switch {
		case a == "-h", a == "--help", a == "--version", strings.HasPrefix(a, "--version=") && a != "--version=false":
			return true
		}
	}
	return false
}

// startEtcd starts a single-member etcd listening only on 127.0.0.1. Free
// ports are found by binding :0 and releasing the port, so a different
// process can grab it in between; retry a few times in that case.
func startEtcd(opts *harnessOptions, dataDir string) (*embed.Etcd, string, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		clientPort, err := portOrFree(opts.etcdClientPort)
		if err != nil {
			return nil, "", err
		}
		peerPort, err := portOrFree(opts.etcdPeerPort)
		if err != nil {
			return nil, "", err
		}
		if clientPort == peerPort {
			lastErr = fmt.Errorf("client and peer port are both %d", clientPort)
			continue
		}
		clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
		peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

		cfg := embed.NewConfig()
		cfg.Name = "harbor-e2e"
		cfg.Dir = dataDir
		cfg.Logger = "zap"
		cfg.LogLevel = opts.etcdLogLevel
		cfg.LogOutputs = []string{"stderr"}
		cfg.UnsafeNoFsync = !opts.etcdFsync
		cfg.ListenClientUrls = []url.URL{clientURL}
		cfg.AdvertiseClientUrls = []url.URL{clientURL}
		cfg.ListenPeerUrls = []url.URL{peerURL}
		cfg.AdvertisePeerUrls = []url.URL{peerURL}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

		e, err := embed.StartEtcd(cfg)
		if err == nil {
			return e, clientURL.String(), nil
		}
		lastErr = err
		if !isAddrInUse(err) || (opts.etcdClientPort != 0 && opts.etcdPeerPort != 0) {
			break
		}
		log.Printf("etcd port conflict (%v), retrying", err)
	}
	return nil, "", lastErr
}

func portOrFree(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}
