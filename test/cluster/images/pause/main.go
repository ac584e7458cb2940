// Command pause is the test cluster's pod sandbox: it holds the pod's
// namespaces and does nothing until it is told to stop. Built locally so the
// node pulls nothing from the internet.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
