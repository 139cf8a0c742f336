import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegistrationToken } from './registration-token.entity';
import { RegistrationTokensService } from './registration-tokens.service';
import { RegistrationTokensController } from './registration-tokens.controller';
import { EnvironmentsModule } from '../environments/environments.module';

@Module({
  imports: [TypeOrmModule.forFeature([RegistrationToken]), EnvironmentsModule],
  controllers: [RegistrationTokensController],
  providers: [RegistrationTokensService],
  exports: [RegistrationTokensService],
})
export class RegistrationTokensModule {}
