// Cluster DNS for pods on loopback, preloaded into a member with
// NODE_OPTIONS="--require <this file>" by chart-members.test.ts.
// RAFTKV_TEST_POD_HOSTS="name=ip,name=ip" maps each pod's stable DNS name (as the headless
// Service would publish it) to the loopback address that stands for the pod's IP. Node's
// resolver is patched where @grpc/grpc-js looks names up: dns.promises.lookup (A/AAAA, its
// default resolver), dns.lookup (the callback form, for anything else) and
// dns.promises.resolveTxt (the service-config query, answered "no data" for these names
// instead of going to a real DNS server). Other names resolve as usual.
"use strict";

const dns = require("node:dns");
const process = require("node:process");

const hosts = new Map(
  (process.env.RAFTKV_TEST_POD_HOSTS ?? "")
    .split(",")
    .filter((entry) => entry !== "")
    .map((entry) => {
      const [name, address] = entry.split("=");
      if (name === undefined || address === undefined) {
        throw new Error(`RAFTKV_TEST_POD_HOSTS entry "${entry}" is not name=ip`);
      }
      return [name.toLowerCase(), address];
    }),
);

function mapped(hostname) {
  if (typeof hostname !== "string") return undefined;
  return hosts.get(hostname.toLowerCase().replace(/\.$/, ""));
}

function answer(address, options) {
  const all = typeof options === "object" && options !== null && options.all === true;
  return all ? [{ address, family: 4 }] : { address, family: 4 };
}

const lookup = dns.lookup;
dns.lookup = function podLookup(hostname, options, callback) {
  const address = mapped(hostname);
  if (address === undefined) return lookup.apply(this, arguments);
  const done = typeof options === "function" ? options : callback;
  const result = answer(address, typeof options === "function" ? undefined : options);
  process.nextTick(() => {
    if (Array.isArray(result)) done(null, result);
    else done(null, result.address, result.family);
  });
  return undefined;
};

const promiseLookup = dns.promises.lookup;
dns.promises.lookup = async function podPromiseLookup(hostname, options) {
  const address = mapped(hostname);
  if (address === undefined) return promiseLookup.call(this, hostname, options);
  return answer(address, options);
};

const resolveTxt = dns.promises.resolveTxt;
dns.promises.resolveTxt = async function podResolveTxt(hostname) {
  if (mapped(hostname) === undefined) return resolveTxt.call(this, hostname);
  const error = new Error(`queryTxt ENODATA ${hostname}`);
  error.code = dns.NODATA;
  throw error;
};
