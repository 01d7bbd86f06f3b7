import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, DefaultLogger } from '@temporalio/worker';
import * as activities from './fixtures/greet-activities.js';
import { stack, uniqueName } from '@zmwatch/test-support/stack';

test('temporal: a real worker runs a workflow and an activity on the dev server', async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = uniqueName('smoke-tq');
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./fixtures/greet-workflow.ts', import.meta.url)),
    activities,
  });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    const result = await worker.runUntil(
      client.workflow.execute('greetWorkflow', {
        taskQueue,
        workflowId: uniqueName('smoke-wf'),
        args: ['zmwatch'],
      }),
    );
    assert.equal(result, 'hello, zmwatch');
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
});
