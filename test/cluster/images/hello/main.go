// Command hello is the test cluster's workload image. By default an HTTP
// server that answers every request with its message (HELLO_MESSAGE, or the
// default), so a test can tell which image a Pod runs. With the argument
// "apiserver-version" it calls the apiserver the way in-cluster clients do
// (the kubernetes Service's address from the environment, the mounted
// ServiceAccount token and CA), prints /version and exits: the path the
// chart's Jobs take. Debian's busybox-static wget crashes in containers; a
// static binary of ours does not.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "apiserver-version" {
		if err := printAPIServerVersion(); err != nil {
			log.Fatalf("hello: %v", err)
		}
		return
	}
	serve()
}

func serve() {
	message := os.Getenv("HELLO_MESSAGE")
	if message == "" {
		message = "hello from the harbor-image-webhook test image"
	}
	addr := os.Getenv("HELLO_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, message)
	})
	log.Printf("hello: listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}

func printAPIServerVersion() error {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return fmt.Errorf("KUBERNETES_SERVICE_HOST/PORT not set: not in a Pod")
	}
	caPEM, err := os.ReadFile(serviceAccountDir + "/ca.crt")
	if err != nil {
		return err
	}
	token, err := os.ReadFile(serviceAccountDir + "/token")
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no certificate in %s/ca.crt", serviceAccountDir)
	}
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	req, err := http.NewRequest(http.MethodGet, "https://"+net.JoinHostPort(host, port)+"/version", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /version: %s: %s", resp.Status, body)
	}
	fmt.Printf("%s\n", body)
	return nil
}
