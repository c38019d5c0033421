// Shared by the KafkaJS tests: the cluster address from tests/interop/run.sh, unique topic names, where
// KafkaJS's default (Java-compatible murmur2) partitioner puts a key, a raw ApiVersions probe, kcat read-back.
'use strict'
const net = require('node:net')
const { execFileSync } = require('node:child_process')
const { Partitioners } = require('kafkajs')

const bootstrap = process.env.KAFKA_BOOTSTRAP
if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run these through tests/interop/run.sh')
const brokers = bootstrap.split(',')
const partitions = Number(process.env.INTEROP_PARTITIONS || 3)

const uniqueTopic = (prefix) => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

const defaultPartitioner = Partitioners.DefaultPartitioner()
const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }))
const partitionOf = (topic, message) => defaultPartitioner({ topic, partitionMetadata, message })

// The API keys a broker advertises, from an ApiVersions v0 request (no tagged fields: every broker answers it).
function advertisedApiKeys (address = brokers[0]) {
  const colon = address.lastIndexOf(':')
  const clientId = Buffer.from('interop-probe')
  const request = Buffer.alloc(14 + clientId.length)
  let at = request.writeInt32BE(request.length - 4, 0)
  at = request.writeInt16BE(18, at) // ApiVersions
  at = request.writeInt16BE(0, at) // version 0
  at = request.writeInt32BE(1, at) // correlation id
  at = request.writeInt16BE(clientId.length, at)
  clientId.copy(request, at)
  return new Promise((resolve, reject) => {
    let response = Buffer.alloc(0)
    const socket = net.connect(Number(address.slice(colon + 1)), address.slice(0, colon), () => socket.write(request))
    socket.setTimeout(5000, () => socket.destroy(new Error('ApiVersions probe timed out')))
    socket.on('error', reject)
    socket.on('data', (chunk) => {
      response = Buffer.concat([response, chunk])
      if (response.length < 4 || response.length < 4 + response.readInt32BE(0)) return
      socket.end()
      // size, correlation id, error code, [api key, min version, max version]
      const errorCode = response.readInt16BE(8)
      if (errorCode !== 0) return reject(new Error(`ApiVersions error ${errorCode}`))
      const keys = new Set()
      for (let i = 0, n = response.readInt32BE(10); i < n; i++) keys.add(response.readInt16BE(14 + 6 * i))
      resolve(keys)
    })
  })
}

// Partition p of topic as "offset key value headers" lines, read by kcat from the beginning to the end.
const readWithKcat = (topic, p) =>
  execFileSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-q',
    '-f', '%o %k %s %h\n'], { encoding: 'utf8', timeout: 60000 })
    .split('\n').filter(Boolean)

module.exports = { brokers, partitions, uniqueTopic, partitionOf, advertisedApiKeys, readWithKcat }
