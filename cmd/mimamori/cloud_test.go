package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCloudReloadsOnSIGHUP: `mimamori cloud` reads its file again on
// SIGHUP, and a sensor added there may log in without a restart.
func TestCloudReloadsOnSIGHUP(t *testing.T) {
	// Registered first, so that a SIGHUP can never end the test process.
	own := make(chan os.Signal, 1)
	signal.Notify(own, syscall.SIGHUP)
	defer signal.Stop(own)

	dir := t.TempDir()
	mqttAddr, httpAddr := freeAddr(t), freeAddr(t)
	config := func(sensors string) {
		body := fmt.Sprintf(`{"data_dir": %q, "mqtt_listen": %q, "http_listen": %q,
			"tenants": [{"id": "acme", "name": "ACME", "sensors": [%s]}]}`,
			filepath.Join(dir, "data"), mqttAddr, httpAddr, sensors)
		if err := os.WriteFile(filepath.Join(dir, "cloud.json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s1 := `{"id": "s1", "password": "first-sensor-secret"}`
	config(s1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runCloud(ctx, []string{"--config", filepath.Join(dir, "cloud.json"), "--log", "error"})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("cloud: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the cloud did not stop")
		}
	}()
	login := func(user, pass string) error {
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID("hup-" + user).
			SetUsername(user).SetPassword(pass).SetAutoReconnect(false).SetProtocolVersion(4))
		tok := c.Connect()
		if !tok.WaitTimeout(5 * time.Second) {
			return fmt.Errorf("connect timed out")
		}
		if tok.Error() == nil {
			c.Disconnect(0)
		}
		return tok.Error()
	}
	deadline := time.Now().Add(30 * time.Second)
	for login("s1", "first-sensor-secret") != nil {
		if time.Now().After(deadline) {
			t.Fatal("the cloud's broker did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if login("s2", "second-sensor-secret") == nil {
		t.Fatal("s2 logged in before it was configured")
	}

	config(s1 + `, {"id": "s2", "password": "second-sensor-secret"}`)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for login("s2", "second-sensor-secret") != nil {
		if time.Now().After(deadline) {
			t.Fatal("s2 could not log in after the SIGHUP")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
