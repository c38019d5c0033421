// KafkaJS transactions: a consume-transform-produce loop where every message is produced and its offset sent
// (transaction.sendOffsets) in one transaction, plus one transaction aborted. kcat (read_committed, librdkafka's
// default) is the judge of what was committed; the admin's fetchOffsets of the group's offsets.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('kafkajs')
const { brokers, uniqueTopic, readWithKcat } = require('./helpers')

const COUNT = 20

test('producer.transaction() with sendOffsets commits output and offsets together; an abort leaves nothing', async () => {
  const kafka = new Kafka({ clientId: 'interop-kafkajs-txn', brokers, logLevel: logLevel.ERROR })
  const src = uniqueTopic('kafkajs-txn-in')
  const dst = uniqueTopic('kafkajs-txn-out')
  const groupId = `${src}-group`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: src, numPartitions: 1 }, { topic: dst, numPartitions: 1 }] })
  const plain = kafka.producer()
  await plain.connect()
  await plain.send({ topic: src, acks: -1, messages: Array.from({ length: COUNT }, (_, i) => ({ value: `v${i}` })) })
  await plain.disconnect()

  const producer = kafka.producer({ transactionalId: `${src}-tx`, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const aborted = await producer.transaction()
  await aborted.send({ topic: dst, messages: [{ value: 'ABORTED' }] })
  await aborted.abort()

  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [src], fromBeginning: true })
    let done = 0
    await new Promise((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const txn = await producer.transaction()
          try {
            await txn.send({ topic: dst, messages: [{ value: message.value.toString().toUpperCase() }] })
            await txn.sendOffsets({
              consumerGroupId: groupId,
              topics: [{ topic, partitions: [{ partition, offset: (Number(message.offset) + 1).toString() }] }]
            })
            await txn.commit()
          } catch (e) {
            await txn.abort()
            reject(e)
            throw e
          }
          if (++done === COUNT) resolve()
        }
      }).catch(reject)
      setTimeout(() => reject(new Error(`only ${done} of ${COUNT} transactions committed`)), 60000).unref()
    })
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  // Kafka answers the last EndTxn in PrepareCommit and writes its markers a moment later.
  let values = []
  for (const deadline = Date.now() + 30000; ; await new Promise((resolve) => setTimeout(resolve, 200))) {
    values = readWithKcat(dst, 0).map((line) => line.split(' ')[2])
    if (values.length >= COUNT || Date.now() > deadline) break
  }
  assert.deepEqual(values, Array.from({ length: COUNT }, (_, i) => `V${i}`))
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [src] })
  assert.deepEqual(offsets.partitions.map((p) => p.offset), [String(COUNT)])
  await admin.disconnect()
})
