package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"mimamori/cloud"
)

func runCloud(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cloud", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON configuration file (see docs/DEPLOY.md)")
	brokerURL := fs.String("broker", "", "use this external MQTT broker (tcp://host:port, or ssl://host:port for TLS) instead of the embedded one")
	logLevel := fs.String("log", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *configPath == "" {
		return fmt.Errorf("cloud: --config is required")
	}
	cfg, err := cloud.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	if *brokerURL != "" {
		cfg.Broker = *brokerURL
	}
	logger := newLogger(os.Stderr, *logLevel)
	c, err := cloud.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	logger.Info("cloud started", "portal", c.PortalURL(), "mqtt", c.MQTTURL())
	<-ctx.Done()
	return nil
}
