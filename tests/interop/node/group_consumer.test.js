// KafkaJS consumer group: KafkaJS can only consume through a group. Skipped until the broker advertises the
// group APIs; it turns itself on when ApiVersions lists them.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('kafkajs')
const { brokers, partitions, uniqueTopic, partitionOf, advertisedApiKeys } = require('./helpers')

const GROUP_APIS = { 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup' }
const COUNT = 500

test('a group consumer reads every message, in order per partition', async (t) => {
  const keys = await advertisedApiKeys()
  const missing = Object.entries(GROUP_APIS).filter(([key]) => !keys.has(Number(key))).map(([, name]) => name)
  if (missing.length) return t.skip(`broker does not advertise ${missing.join(', ')}: consumer groups come in a later issue`)

  const kafka = new Kafka({ clientId: 'interop-kafkajs-group', brokers, logLevel: logLevel.ERROR })
  const topic = uniqueTopic('kafkajs-group')
  const producer = kafka.producer()
  await producer.connect()
  const messages = Array.from({ length: COUNT }, (_, seq) => ({ key: `k${seq % 50}`, value: `v${seq}` }))
  await producer.send({ topic, acks: -1, messages })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-group` })
  await consumer.connect()
  const got = Array.from({ length: partitions }, () => [])
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.flat().length} of ${COUNT} in 60 s`)), 60000)
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got[partition].push(`${message.offset} ${message.key} ${message.value}`)
          if (got.flat().length === COUNT) { clearTimeout(timer); resolve() }
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  const want = Array.from({ length: partitions }, () => [])
  for (const m of messages) {
    const p = partitionOf(topic, m)
    want[p].push(`${want[p].length} ${m.key} ${m.value}`)
  }
  assert.deepEqual(got, want)
})
