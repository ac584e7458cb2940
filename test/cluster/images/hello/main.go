// Command hello is the test cluster's workload image: an HTTP server that
// answers every request with its message (HELLO_MESSAGE, or the default), so
// a test can tell which image a Pod runs. Debian's busybox-static wget
// crashes in containers; a static binary of ours does not.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
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
