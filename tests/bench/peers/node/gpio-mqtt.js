'use strict';
// gpio-mqtt.js: the benchmarks' Node.js peer, sysfs GPIO edges to MQTT the
// way the Node-RED world does it: onoff watches each pin (epoll on
// /sys/class/gpio/gpioN/value, a read per interrupt) and MQTT.js publishes
// one JSON message per edge with a running count, at the same QoS as
// gpio-broker (1). Like gpio-broker it publishes changed counts (retained)
// once a second and online/offline on PREFIX/status. onoff only knows
// /sys/class/gpio: run-in-ns.sh gives it the simulator there. It prints
// "ready" once connected and set up; SIGTERM or SIGINT stops it cleanly.
//
// usage: node gpio-mqtt.js --port PORT [--host H] [--prefix P] [--qos Q]
//                          [--edge rising|falling|both] PIN...

const { Gpio } = require('onoff');
const mqtt = require('mqtt');

const COUNT_INTERVAL_MS = 1000;

function parseArgs(argv) {
  const opts = { host: '127.0.0.1', port: 0, prefix: 'gpio', qos: 1,
    edge: 'rising', clientId: `gpio-node-${process.pid}`, pins: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--host') opts.host = argv[++i];
    else if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--prefix') opts.prefix = argv[++i];
    else if (a === '--qos') opts.qos = Number(argv[++i]);
    else if (a === '--edge') opts.edge = argv[++i];
    else if (a === '--client-id') opts.clientId = argv[++i];
    else if (/^\d+$/.test(a)) opts.pins.push(Number(a));
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!opts.port || !opts.pins.length) {
    throw new Error('usage: gpio-mqtt.js --port PORT [options] PIN...');
  }
  return opts;
}

// RFC 3339 UTC with microseconds, like gpio-broker's "ts".
function timestamp() {
  const t = performance.timeOrigin + performance.now();
  const ms = Math.floor(t);
  const us = Math.floor((t - ms) * 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us).padStart(3, '0')}Z`;
}

function edgeName(edge, value) {
  if (edge === 'both') return value ? 'rising' : 'falling';
  return edge;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const status = `${opts.prefix}/status`;
  const client = mqtt.connect(`mqtt://${opts.host}:${opts.port}`, {
    clientId: opts.clientId,
    keepalive: 30,
    will: { topic: status, payload: 'offline', qos: 1, retain: true },
  });
  const pins = [];
  let timer = null;

  function publishCounts() {
    for (const p of pins) {
      if (p.count === p.publishedCount) continue;
      client.publish(`${opts.prefix}/${p.number}/count`, JSON.stringify({
        gpio: p.number, name: String(p.number), count: p.count,
        ts: timestamp(),
      }), { qos: opts.qos, retain: true });
      p.publishedCount = p.count;
    }
  }

  function watchPin(number) {
    const pin = { number, count: 0, publishedCount: null,
      topic: `${opts.prefix}/${number}/edge`,
      gpio: new Gpio(number, 'in', opts.edge) };
    pin.gpio.watch((err, value) => {
      if (err) {
        console.error(`gpio-mqtt: gpio ${number}: ${err.message}`);
        return;
      }
      pin.count += 1;
      client.publish(pin.topic, JSON.stringify({
        gpio: number, name: String(number), edge: edgeName(opts.edge, value),
        value, count: pin.count, ts: timestamp(),
      }), { qos: opts.qos });
    });
    pins.push(pin);
  }

  client.once('connect', () => {
    client.publish(status, 'online', { qos: 1, retain: true });
    opts.pins.forEach(watchPin);
    publishCounts();
    timer = setInterval(publishCounts, COUNT_INTERVAL_MS);
    console.log('ready');
  });
  client.on('error', (err) => {
    console.error(`gpio-mqtt: mqtt: ${err.message}`);
  });

  function stop() {
    if (timer) clearInterval(timer);
    for (const p of pins) p.gpio.unwatchAll();
    publishCounts();
    client.publish(status, 'offline', { qos: 1, retain: true }, () => {
      client.end(false, () => process.exit(0));
    });
  }
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  main();
} catch (err) {
  console.error(`gpio-mqtt: ${err.message}`);
  process.exit(2);
}
